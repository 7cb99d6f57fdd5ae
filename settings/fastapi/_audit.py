"""The audit trail of the settings: one line at startup and after every reload, refused or not.

    Audit: settings reload; environment production; secrets 5be0c4e1a7d2 -> 0e9f3b6a1c48;
    fingerprint 3f2a9c0d1b7e -> 88c1d2e3f4a5; 2 changed: database.pool.size 2 -> 7
    (settings.toml [production]), secret_key changed (.secrets.toml [default])

The line names the secrets' version and the fingerprint before and after, and each changed key
with its new value and the origin of that value. The fingerprint leaves the secrets out; their
version (:func:`settings.schema._fingerprint.secrets_version`) changes when one is rotated, and
means something only within this process. A secret's value never appears, neither old nor
new: a changed secret says ``changed``, and so does a URL whose only change is its password.
"""

from __future__ import annotations

from dataclasses import dataclass

from settings._display import dotted_values, literal
from settings._provenance import MISSING
from settings._redact import is_secret, known_secrets, mask_value
from settings.schema import BaseSettings
from settings.schema._fingerprint import secrets_version
from settings.schema._keys import stored_values

__all__ = ["Change", "audit_line", "changes"]


@dataclass(frozen=True)
class Change:
    """One key whose value differs: its new value as it may be shown (``None``: a secret or a
    URL password changed, say "changed"), and the origin of that value."""

    key: str
    old: str | None
    new: str | None
    origin: str


def changes(old: BaseSettings, new: BaseSettings) -> list[Change]:
    """The keys whose effective value differs, sorted, values as they may be shown."""
    model = type(new)
    before = dotted_values(model, stored_values(old))
    after = dotted_values(model, stored_values(new))
    secrets = known_secrets(model, old.sources, old) | known_secrets(model, new.sources, new)
    found = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key, MISSING), after.get(key, MISSING)
        if a == b:
            continue
        shown_a, shown_b = (
            None if value is MISSING else literal(mask_value(model, key, value, secrets))
            for value in (a, b)
        )
        if is_secret(model, key) or shown_a == shown_b:
            shown_a = shown_b = None
        sources = new.sources
        origin = (sources.origin(key) if sources else None) or "schema default"
        found.append(Change(key, shown_a, shown_b, origin))
    return found


def audit_line(event: str, old: BaseSettings | None, new: BaseSettings, *, refused: int = 0) -> str:
    """The one line for ``event`` (``startup``, ``reload``): fingerprints, then the changes.

    ``refused`` counts the errors of a reload that was refused: ``new`` is then the settings
    kept, and nothing changed.
    """
    before = old.fingerprint if old is not None else "none"
    after = new.fingerprint
    secrets = f"{secrets_version(old) if old is not None else 'none'} -> {secrets_version(new)}"
    head = f"Audit: settings {event}; environment {new.environment}; secrets {secrets}; "
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
