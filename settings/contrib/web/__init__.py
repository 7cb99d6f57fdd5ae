"""The web battery: CORS, allowed hosts, debug and the secret key, and the rules about them.

``CorsConfig`` is the ``cors`` section; the fields ``debug``, ``secret_key`` and
``allowed_hosts`` are declared on :class:`settings.Settings`. What they do to a request (the
host check, CORS, a 500 without secrets) is installed by
:func:`settings.fastapi.settings_middleware`; their ``security.`` rules are :mod:`._checks`.

    _config.py      CorsConfig, host and origin patterns
    _served.py      the settings a request is served with, pinned to it
    _drain.py       the drain at SIGTERM (server.shutdown_timeout)
    _request_id.py  X-Request-ID
    _hosts.py       the host check and CORS
    _error_page.py  the 500 without secrets
    _middleware.py  SettingsMiddleware: all of the above in one ASGI layer
    _checks.py      the security. rules
"""

from settings.contrib.web._config import CorsConfig

__all__ = ["CorsConfig"]
