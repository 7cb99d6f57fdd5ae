"""The audit trail of the settings: one line at startup and after every reload, refused or not.

    Audit: settings reload; environment production; fingerprint 3f2a9c0d1b7e -> 88c1d2e3f4a5; 2
    changed: database.pool.size 2 -> 7 (settings.toml [production]), secret_key changed
    (.secrets.toml [default])

The line names the fingerprint before and after, and each changed key with its new value and
the origin of that value. A secret's value never appears, neither old nor new: a changed secret
says ``changed``, and so does a URL whose only change is its password.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

from settings.display import dotted_values, literal, load_secrets, mask
from settings.keys import is_secret
from settings.missing import MISSING
from settings.schema import Settings
from settings.secrets import hide_url_password

#: Hex digits of the private fingerprint (the shared ``settings.fingerprint`` replaces it).
_LENGTH = 12


@dataclass(frozen=True)
class Change:
    """One key whose value differs: its new value as it may be shown (``None``: a secret or a
    URL password changed, say "changed"), and the origin of that value."""

    key: str
    old: str | None
    new: str | None
    origin: str


def fingerprint_of(settings: Settings) -> str:
    """``settings.fingerprint`` where the model has it, else this module's own digest."""
    shared = getattr(settings, "fingerprint", None)
    return shared if isinstance(shared, str) else _fingerprint(settings)


def _fingerprint(settings: Settings) -> str:
    """SHA-256 over every effective value; secrets enter only as HMAC-SHA256 keyed by
    ``secret_key``, so the digest reveals nothing about them but changes when one does."""
    key = settings.secret_key.get_secret_value().encode("utf-8")

    def plain(value: Any) -> Any:
        if isinstance(value, SecretStr | SecretBytes):
            raw = value.get_secret_value()
            secret = raw.encode("utf-8") if isinstance(raw, str) else raw
            return "hmac:" + hmac.new(key, secret, hashlib.sha256).hexdigest()
        if isinstance(value, BaseModel):
            return {name: plain(getattr(value, name)) for name in type(value).model_fields}
        if isinstance(value, Mapping):
            return {str(name): plain(item) for name, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        text = str(value)
        masked = hide_url_password(text)
        if masked == text:
            return text
        return [masked, "hmac:" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()]

    canonical = json.dumps(plain(settings), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:_LENGTH]


def changes(old: Settings, new: Settings) -> list[Change]:
    """The keys whose effective value differs, sorted, values as they may be shown."""
    model = type(new)
    before = dotted_values(model, old.model_dump())
    after = dotted_values(model, new.model_dump())
    secrets = load_secrets(model, old.sources, old) | load_secrets(model, new.sources, new)
    found = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key, MISSING), after.get(key, MISSING)
        if a == b:
            continue
        shown_a, shown_b = (
            None if value is MISSING else literal(mask(model, key, value, secrets))
            for value in (a, b)
        )
        if is_secret(model, key) or shown_a == shown_b:
            shown_a = shown_b = None
        sources = new.sources
        origin = (sources.origin(key) if sources else None) or "schema default"
        found.append(Change(key, shown_a, shown_b, origin))
    return found


def audit_line(event: str, old: Settings | None, new: Settings, *, refused: int = 0) -> str:
    """The one line for ``event`` (``startup``, ``reload``): fingerprints, then the changes.

    ``refused`` counts the errors of a reload that was refused: ``new`` is then the settings
    kept, and nothing changed.
    """
    before = fingerprint_of(old) if old is not None else "none"
    after = fingerprint_of(new)
    head = f"Audit: settings {event}; environment {new.environment}; "
    head += f"fingerprint {before} -> {after}"
    if refused:
        noun = "error" if refused == 1 else "errors"
        return f"{head}; refused ({refused} {noun}, reported above): the settings are unchanged"
    if old is None:
        return head
    found = changes(old, new)
    if not found:
        return f"{head}; no change"
    return f"{head}; {len(found)} changed: " + ", ".join(_describe(c) for c in found)


def _describe(change: Change) -> str:
    if change.new is None and change.old is None:
        return f"{change.key} changed ({change.origin})"
    old, new = change.old or "(not set)", change.new or "(not set)"
    return f"{change.key} {old} -> {new} ({change.origin})"
