"""Provenance: where each value came from, as the loader records it and the tools read it.

A :class:`Layer` is one source's values as a flat ``{"database.port": 5433}`` mapping, with the
origin a person reads in a report (``settings.toml [production]``, ``env DB_PORT``). The merge
(:mod:`settings.merge`) records one :class:`Assignment` per layer that set a key, and the load
gathers them, with the files, the variables' names and the environment, into :class:`Sources`.

Where provenance lives: beside the settings object, as ``settings.sources`` (a private
attribute, not a field: it is not a setting, so it is never validated, dumped, compared or part
of the fingerprint). The checks that judge how the settings were assembled read it from there
(``security.E005`` the development secrets, ``settings.W001`` the files, ``settings.W002`` the
unknown variables), which keeps each check a pure function of one argument; a settings object
built by hand has ``sources`` ``None`` and those checks find nothing.

:data:`MISSING` is the one sentinel of the package, for "no value here" wherever ``None`` is a
value (a setting may be ``None``): no value below a merge marker, a key absent on one side of a
``diff``, a key ``this`` does not have, a field whose schema gives no default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

#: How an origin names a value read from the file an ``X_FILE`` variable names.
FILE_ORIGIN = "file named by "


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final[Any] = _Missing()


class Layer:
    """One source's values, flattened to dotted keys."""

    __slots__ = ("origin", "values")

    def __init__(self, origin: str, values: Mapping[str, Any]) -> None:
        self.origin: Final = origin
        self.values: Final = values

    def __repr__(self) -> str:
        return f"Layer(origin={self.origin!r})"


class Assignment:
    """One layer setting one key. ``value`` is kept out of ``repr``: it may be a secret.

    A layer that removed the key (``@del``, a replaced table) is ``removed``, with value ``None``:
    below it, the schema default applies.
    """

    __slots__ = ("key", "origin", "removed", "value")

    def __init__(self, key: str, origin: str, value: Any, removed: bool = False) -> None:
        self.key: Final = key
        self.origin: Final = origin
        self.value: Final = value
        self.removed: Final = removed

    def __repr__(self) -> str:
        return f"Assignment(key={self.key!r}, origin={self.origin!r}, removed={self.removed!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Assignment):
            return NotImplemented
        return (self.key, self.origin, self.value, self.removed) == (
            other.key,
            other.origin,
            other.value,
            other.removed,
        )

    def __hash__(self) -> int:
        return hash((self.key, self.origin, self.value, self.removed))


@dataclass(frozen=True)
class Sources:
    """Where the effective settings came from, for reports, ``explain`` and the startup log."""

    environment: str
    files: tuple[str, ...]
    variables: tuple[str, ...]
    history: Mapping[str, tuple[Assignment, ...]] = field(repr=False)
    #: Where each unknown ``APP_`` variable was set: ``env APP_X`` or ``.env APP_X``.
    unknown_variables: tuple[str, ...] = ()
    development_secrets: frozenset[str] = field(default=frozenset(), repr=False)
    #: Dotted key -> path, for each value read from a file named by an ``X_FILE`` variable,
    #: so that a rotated secret can be read again (the database password, per connection).
    secret_files: Mapping[str, str] = field(default_factory=dict)
    #: The environments whose start runs the deployment rules, as the load found them
    #: (``deploy_environments``); ``None`` for settings built by hand.
    deploy_environments: tuple[str, ...] | None = None
    #: The environment tables ``settings.toml`` defines (``[development]``, ...).
    environment_tables: tuple[str, ...] = ()

    def origin(self, key: str) -> str | None:
        """The origin of the value that won for ``key`` (or for the last key set inside it);
        ``None`` where that is the schema default."""
        assignments = self.history.get(key)
        if assignments:
            return None if assignments[-1].removed else assignments[-1].origin
        inside = [a[-1] for k, a in self.history.items() if k.startswith(key + ".")]
        inside = [assignment for assignment in inside if not assignment.removed]
        return inside[-1].origin if inside else None
