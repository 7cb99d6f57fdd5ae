"""The audit trail of the settings: one line at startup and after every reload, refused or not.

    Audit: settings reload; environment production; secrets 5be0c4e1a7d2 -> 0e9f3b6a1c48;
    fingerprint 3f2a9c0d1b7e -> 88c1d2e3f4a5; 2 changed: database.pool.size 2 -> 7
    (settings.toml [production]), secret_key changed (.secrets.toml [default])

The line names the secrets' version and the fingerprint before and after, and each changed key
with its new value and the origin of that value. A start compares with the settings the process
it replaces ran, when one saved them (:mod:`settings.fastapi._previous`)::

    Audit: settings startup; environment production; secrets none -> 0e9f3b6a1c48;
    fingerprint 3f2a9c0d1b7e -> 88c1d2e3f4a5 since process 4242; 1 changed: database.pool.size
    2 -> 7 (settings.toml [production])
 The fingerprint leaves the secrets out; their
version (:func:`settings.schema._fingerprint.secrets_version`) changes when one is rotated, and
means something only within this process. A secret's value never appears, neither old nor
new: a changed secret says ``changed``, and so does a URL whose only change is its password.
"""

from __future__ import annotations

from typing import Final

from settings._display import dotted_values, literal
from settings._errors import plural
from settings._provenance import MISSING
from settings._redact import is_secret, known_secrets, mask_text, mask_value
from settings.fastapi._previous import Saved, shown_values
from settings.schema import BaseSettings
from settings.schema._fingerprint import secrets_version
from settings.schema._keys import stored_values

__all__ = ["Change", "audit_line", "changes", "changes_since"]


class Change:
    """One key whose value differs: its new value as it may be shown (``None``: a secret or a
    URL password changed, say "changed"), and the origin of that value."""

    __slots__ = ("key", "new", "old", "origin")
    __match_args__ = ("key", "old", "new", "origin")

    def __init__(self, key: str, old: str | None, new: str | None, origin: str) -> None:
        self.key: Final = key
        self.old: Final = old
        self.new: Final = new
        self.origin: Final = origin

    def __repr__(self) -> str:
        return (
            f"Change(key={self.key!r}, old={self.old!r}, new={self.new!r}, origin={self.origin!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Change):
            return NotImplemented
        return (self.key, self.old, self.new, self.origin) == (
            other.key,
            other.old,
            other.new,
            other.origin,
        )

    def __hash__(self) -> int:
        return hash((self.key, self.old, self.new, self.origin))


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
        found.append(Change(key, shown_a, shown_b, _origin(new, key)))
    return found


def changes_since(saved: Saved, new: BaseSettings) -> list[Change]:
    """The keys whose shown value differs from what another process saved, sorted. A secret
    counts only as set or empty there (nothing else of it is saved)."""
    model = type(new)
    secrets = known_secrets(model, new.sources, new)
    before, after = saved.values, shown_values(new)
    found = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        # Masked with this process's secrets too: a value the other process showed may be
        # one of them now (a username that is this process's password).
        a = None if a is None else mask_text(a, secrets)
        if a == b:
            continue
        if is_secret(model, key):
            a = b = None
        found.append(Change(key, a, b, _origin(new, key)))
    return found


def _origin(settings: BaseSettings, key: str) -> str:
    sources = settings.sources
    return (sources.origin(key) if sources else None) or "schema default"


def audit_line(
    event: str,
    old: BaseSettings | None,
    new: BaseSettings,
    *,
    refused: int = 0,
    saved: Saved | None = None,
) -> str:
    """The one line for ``event`` (``startup``, ``reload``): fingerprints, then the changes.

    ``refused`` counts the errors of a reload that was refused: ``new`` is then the settings
    kept, and nothing changed. ``saved``, for a start (``old`` is ``None``): what the process
    this one replaces ran, compared with instead.
    """
    before = old.fingerprint if old is not None else "none"
    if old is None and saved is not None:
        before = saved.fingerprint
    secrets = f"{secrets_version(old) if old is not None else 'none'} -> {secrets_version(new)}"
    head = f"Audit: settings {event}; environment {new.environment}; secrets {secrets}; "
    head += f"fingerprint {before} -> {new.fingerprint}"
    if refused:
        errors = plural(refused, "error")
        return f"{head}; refused ({errors}, reported above): the settings are unchanged"
    if old is not None:
        found = changes(old, new)
    elif saved is not None:
        head += f" since process {saved.pid}"
        found = changes_since(saved, new)
    else:
        return head
    if not found:
        return f"{head}; no change"
    return f"{head}; {len(found)} changed: " + ", ".join(_describe(c) for c in found)


def _describe(change: Change) -> str:
    if change.new is None and change.old is None:
        return f"{change.key} changed ({change.origin})"
    old, new = change.old or "(not set)", change.new or "(not set)"
    return f"{change.key} {old} -> {new} ({change.origin})"
