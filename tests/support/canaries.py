"""Canary secrets and the traces of them that must never reach any output.

A canary holds the characters that URLs, TOML and shells treat specially, so each encoding
of it is a different string. Besides the plain value and its percent-encodings (as ``urllib``
and SQLAlchemy write them), each canary has a short distinctive core that survives every
encoding: finding the core anywhere means some form of the secret got out. Traces are searched
in any case (a validator may fold a copy: ``allowed_hosts`` lower-cases), and the core reversed
too (a ``@jinja`` template may reverse a copy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus


@dataclass(frozen=True)
class Canary:
    """A secret value planted on purpose, and the distinctive core found in each of its forms."""

    field: str
    value: str
    core: str

    def traces(self) -> dict[str, str]:
        """Every form to search for, by the name a failure shows."""
        return {
            "plain": self.value,
            "percent-encoded": quote(self.value, safe=""),
            "percent-encoded, '/' kept": quote(self.value),
            "form-encoded": quote_plus(self.value),
            "as SQLAlchemy writes a URL password": quote(self.value, safe=" +"),
            "distinctive core": self.core,
            "distinctive core, reversed": self.core[::-1],
        }


def canary(field: str, core: str) -> Canary:
    """At least 32 characters and varied enough for production's secret-key rules."""
    return Canary(field, f"{core} p@ss:w/rd?#%&+=~\u00e9[]-0123456789-abcdef", core)


SECRET_KEY = canary("secret_key", "Sk7qZw")
PASSWORD = canary("database.password", "Pw4xJr")
CANARIES = (SECRET_KEY, PASSWORD)


def leaks(outputs: Mapping[str, str], canaries: Iterable[Canary] = CANARIES) -> list[str]:
    """One line per trace found, in any case: where, which secret, which form."""
    folded = {where: text.casefold() for where, text in outputs.items()}
    return [
        f"{where} shows the {item.field} canary ({form}: {trace!r})"
        for item in canaries
        for form, trace in item.traces().items()
        for where, text in folded.items()
        if trace.casefold() in text
    ]


def assert_no_leak(outputs: Mapping[str, str], canaries: Iterable[Canary] = CANARIES) -> None:
    found = leaks(outputs, canaries)
    assert not found, "secrets leaked:\n" + "\n".join(found)


#: A short secret, so weak that production refuses it, and whose core ``Zx9`` survives every
#: encoding: for configurations that cannot load (and ``check --all-envs``).
WEAK = Canary("secret", "canary-Zx9!@:/?#%", "Zx9")
