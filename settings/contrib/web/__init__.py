"""The web battery: CORS, allowed hosts, debug and the secret key, and the rules about them.

``CorsConfig`` is the ``cors`` section; the fields ``debug``, ``secret_key`` and
``allowed_hosts`` are declared on :class:`settings.Settings`. What they do to a request (the
host check, CORS, a 500 without secrets) is installed by
:func:`settings.fastapi.settings_middleware`; their ``security.`` rules are :mod:`._checks`.
"""

from settings.contrib.web._config import CorsConfig

__all__ = ["CorsConfig"]
