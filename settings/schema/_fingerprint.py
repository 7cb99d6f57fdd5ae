"""``settings.fingerprint``: a short digest of every effective value, the same in every process.

The validated model is walked generically, so an application's own sections and fields count
without being listed. Secrets (every ``SecretStr`` and ``SecretBytes`` at any depth, the password
of every URL, typed or held in text) enter only as HMAC-SHA256 keyed by ``secret_key``: the
digest reveals nothing about them, yet changes when one is rotated. Alertmanager's
``config_hash`` metric is the precedent: replicas that print different fingerprints run
different settings.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from enum import Enum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, SecretBytes, SecretStr

from settings._redact import replace_url_passwords

if TYPE_CHECKING:
    from settings.schema import BaseSettings

#: Hex digits shown: 48 bits tell thousands of configurations apart.
LENGTH = 12


def fingerprint(settings: BaseSettings) -> str:
    """The hex digest of ``settings``' effective values, secrets keyed through HMAC."""
    secret_key = getattr(settings, "secret_key", None)  # a model without one: a fixed key
    key = (
        secret_key.get_secret_value().encode("utf-8") if isinstance(secret_key, SecretStr) else b""
    )
    canonical = json.dumps(_plain(settings, key), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:LENGTH]


def _keyed(key: bytes, secret: bytes) -> str:
    return "hmac:" + hmac.new(key, secret, hashlib.sha256).hexdigest()


def _plain(value: Any, key: bytes) -> Any:
    """``value`` as JSON-native data, each secret replaced by its HMAC."""
    if isinstance(value, SecretStr):
        return _keyed(key, value.get_secret_value().encode("utf-8"))
    if isinstance(value, SecretBytes):
        return _keyed(key, value.get_secret_value())
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return {name: _plain(getattr(value, name), key) for name in fields}
    if isinstance(value, Mapping):
        return {str(name): _plain(item, key) for name, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item, key) for item in value]
        return items if isinstance(value, list | tuple) else sorted(items, key=repr)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return _plain(value.value, key)
    if isinstance(value, PurePath):
        return str(value)
    password = getattr(value, "password", None)
    if isinstance(password, str) and hasattr(value, "render_as_string"):  # SQLAlchemy's URL
        keyed = _keyed(key, password.encode("utf-8"))
        return str(value.set(password=keyed).render_as_string(hide_password=False))
    # Pydantic's AnyUrl family, and text that holds a URL
    return replace_url_passwords(str(value), lambda secret: _keyed(key, secret.encode("utf-8")))
