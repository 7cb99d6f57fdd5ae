"""What the settings mean: the core of every settings model, and its sections.

:class:`BaseSettings` is the minimal core any application's model builds on (``environment``
and ``silenced_checks``); :class:`Section` is a table of settings; :class:`EnvVar` names a
deployment variable on a field. The batteries (:mod:`settings.contrib`: database, web, server,
metrics) add their sections and fields to it, and ``settings.Settings`` is the core with all of
them.

The schema sees plain values only; where they came from is the loader's business. Text from
environment variables reaches these models as ``str`` and is converted by each field's type
(``"5433"`` becomes the port ``5433``, a database named ``"2024"`` stays a string). Lists accept
a JSON array or comma-separated text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from settings._redact import repr_safe, secret_values
from settings.schema._types import StrList, strip_blanks

if TYPE_CHECKING:
    from settings._provenance import Sources


@dataclass(frozen=True)
class EnvVar:
    """Field metadata declaring a deployment variable without prefix (and ``NAME_FILE``)::

        api_key: Annotated[SecretStr, EnvVar("LLM_API_KEY")] = SecretStr("")

    On a section, the variable sets the whole table, as the section's
    :meth:`Section.from_variable` reads it (``DATABASE_URL`` on ``database``).
    """

    name: str


class Section(BaseModel):
    """A table of settings: frozen, unknown keys refused, secrets masked in ``repr``.

    ``SecretStr`` and ``SecretBytes`` mask themselves; the password of a URL (typed, or in a
    string) is masked here, so ``repr()`` and ``str()`` of any section show no secret.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_default=True,
        defer_build=True,
        # A field with a validation_alias (a variable's name) is still set by its key.
        populate_by_name=True,
    )

    #: The field name under which the variables declared inside the section are read (``DB_HOST``
    #: sets the field named ``database``); ``None``: under any name. Elsewhere in a model the
    #: section is set by ``APP_<FIELD>__...``, files and the field's own ``EnvVar``.
    variables_field: ClassVar[str | None] = None

    @model_validator(mode="before")
    @classmethod
    def _strip_blanks(cls, data: Any) -> Any:
        """One whitespace rule for every type: blanks around a value are ignored where they
        cannot mean anything (numbers, booleans, choices), and kept in text."""
        return strip_blanks(cls, data)

    @classmethod
    def variable_keys(cls) -> frozenset[str]:
        """The keys (relative to the section) a variable declared on it may set."""
        return frozenset()

    @classmethod
    def from_variable(cls, text: str) -> dict[str, str]:
        """The keys (relative to the section) that a variable declared on the section sets,
        as text. Raises ``ValueError`` with a message that quotes no secret."""
        raise ValueError("sets a table; this section reads no variable")

    def shown_extras(self, secrets: frozenset[str]) -> dict[str, Any]:
        """Values derived from the section that ``show`` prints beside its keys, already
        masked (``database.url``)."""
        return {}

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        secrets = _repr_secrets.get()
        if secrets is None:  # the outermost repr: its secrets mask their copies inside it
            secrets = frozenset(secret_values(self))
            token = _repr_secrets.set(secrets)
        else:
            token = None
        try:
            args = [(name, repr_safe(value, secrets)) for name, value in super().__repr_args__()]
            args = [
                (name, _Nested(value)) if isinstance(value, Section) else (name, value)
                for name, value in args
            ]
        finally:
            if token is not None:
                _repr_secrets.reset(token)
        yield from args


#: The secrets of the object whose ``repr()`` is being written, for the sections inside it.
_repr_secrets: ContextVar[frozenset[str] | None] = ContextVar("repr_secrets", default=None)


class _Nested:
    """A section inside a ``repr()``, written while its parent's secrets are still known."""

    def __init__(self, section: Section) -> None:
        secrets = _repr_secrets.get()
        self.text = repr(section) if secrets is None else _repr_within(section, secrets)

    def __repr__(self) -> str:
        return self.text


def _repr_within(section: Section, secrets: frozenset[str]) -> str:
    token = _repr_secrets.set(secrets | secret_values(section))
    try:
        return repr(section)
    finally:
        _repr_secrets.reset(token)


class BaseSettings(Section):
    """The core of every settings model: loaded and validated once, then read-only.

    An application subclasses it (or :class:`settings.Settings`, which adds every battery) and
    adds its own fields and sections; every part of the framework follows the model.
    """

    environment: str = Field(default="development", description="Set by ENV_FOR_DYNACONF.")
    silenced_checks: StrList = Field(
        default=[], description="Ids of checks to silence (security.E006 ...)."
    )

    _sources: Sources | None = PrivateAttr(default=None)

    @field_validator("environment", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @cached_property
    def fingerprint(self) -> str:
        """A short hex digest of every effective value; secrets enter only through
        HMAC-SHA256 keyed by ``secret_key`` (:mod:`settings.schema._fingerprint`)."""
        from settings.schema._fingerprint import fingerprint

        return fingerprint(self)

    @property
    def sources(self) -> Sources | None:
        """Where the values came from, when loaded by :func:`settings.load_settings`."""
        return self._sources
