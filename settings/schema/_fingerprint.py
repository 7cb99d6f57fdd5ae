"""``settings.fingerprint``: a short digest of every effective value, the same in every process;
and :func:`secrets_version`, which says in this process whether the secrets changed.

The validated model is walked generically, so an application's own sections and fields count
without being listed. Alertmanager's ``config_hash`` metric is the precedent: replicas that print
different fingerprints run different settings.

**Secrets do not feed the fingerprint**: every ``SecretStr`` and ``SecretBytes`` at any depth, and
the password of every URL (typed or held in text), enters only as "set" or "empty". Any value
computed from a secret that is the same in every process would let whoever reads it test a guess
of the secret offline (``/metrics`` is often public): keyed by ``secret_key``, anyone who knows
that key could (a development key is committed), and a slow hash only slows the guessing of a
weak password. So a rotated secret does not change the fingerprint; :func:`secrets_version`
does, in the process that loaded it: an HMAC-SHA256 of the secrets keyed by a random key that
never leaves this process, so it differs between processes and tells nobody anything about a
secret. The audit line of each start and reload shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from enum import Enum
from functools import cache
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from settings._redact import SECRET_TYPES, replace_url_passwords, secret_values

if TYPE_CHECKING:
    from settings.schema import BaseSettings

#: Hex digits shown: 48 bits tell thousands of configurations apart.
LENGTH = 12
#: What a secret that is set becomes in the fingerprint (an empty one stays empty).
SET = "<secret set>"


def fingerprint(settings: BaseSettings) -> str:
    """The hex digest of ``settings``' effective values, each secret only as set or empty."""
    canonical = json.dumps(_plain(settings), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:LENGTH]


def secrets_version(settings: BaseSettings) -> str:
    """A short hex digest of ``settings``' secrets, keyed by a random key of this process: the
    same for the same secrets in this process, another when one is rotated, and unrelated from
    one process to the next."""
    canonical = json.dumps(sorted(secret_values(settings)), ensure_ascii=True)
    digest = hmac.new(_process_key(), canonical.encode("ascii"), hashlib.sha256)
    return digest.hexdigest()[:LENGTH]


@cache
def _process_key() -> bytes:
    return secrets.token_bytes(32)


def _secret(present: bool) -> str:
    return SET if present else ""


def _plain(value: Any) -> Any:
    """``value`` as JSON-native data, each secret replaced by whether it is set."""
    if isinstance(value, SECRET_TYPES):
        return _secret(value.get_secret_value() not in ("", b""))
    if isinstance(value, BaseModel):
        return {name: _plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {str(name): _plain(item) for name, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return items if isinstance(value, list | tuple) else sorted(items, key=repr)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, PurePath):
        return str(value)
    password = getattr(value, "password", None)
    if isinstance(password, str) and hasattr(value, "render_as_string"):  # SQLAlchemy's URL
        shown = value.set(password=_secret(bool(password)))
        return str(shown.render_as_string(hide_password=False))
    # Pydantic's AnyUrl family, and text that holds a URL
    return replace_url_passwords(str(value), lambda secret: _secret(bool(secret)))
