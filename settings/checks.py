"""Checks of the settings, in the style of Django's system checks.

A check is a small function ``(settings) -> list[Problem]`` that returns its findings, built
from module-level constants with stable ids, so a test reads ``assert check_debug(settings) ==
[E001]``. It is registered with :func:`register`: ``@register`` runs it on every load,
``@register(deploy=True)`` only where the deployment rules run (production, and ``python -m
settings check --deploy``)::

    from settings.checks import Error, register

    E001 = Error("llm.api_key", "is empty", id="llm.E001", hint="set LLM_API_KEY")

    @register(deploy=True)
    def check_llm_key(settings: AppSettings) -> list[Problem]:
        return [] if settings.llm.api_key.get_secret_value() else [E001]

- A check applies to the model its first parameter is annotated with, and to that model's
  subclasses; unannotated, or annotated ``Settings``, it applies to every model.
- A check that raises is reported as an error naming it, its exception's text masked: it never
  stops the load or the command line.
- ``silenced_checks`` (ids, Django's ``SILENCED_SYSTEM_CHECKS``) drops those findings;
  :func:`check_settings` says how many it dropped; an id no check knows is ``settings.W003``.

The built-in rules below register themselves the same way. Ids: ``security.`` for what makes a
deployment unsafe, ``settings.`` for how the settings were assembled (files, variables, this
configuration). :func:`rules_table` renders the registry as the Markdown table of docs/checks.md.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, overload

from settings.errors import Problem
from settings.keys import RESERVED, schema_keys
from settings.schema import Settings
from settings.secrets import mask_secrets

__all__ = [
    "Check",
    "CheckFunction",
    "CheckResult",
    "Error",
    "Problem",
    "Warning",
    "check_settings",
    "register",
    "registered",
    "rules_table",
    "run_checks",
]

#: What is registered: ``(settings) -> list[Problem]``, ``settings`` typed with a model.
CheckFunction = Callable[[Any], list[Problem]]


def Error(  # noqa: N802 - Django's name for the same thing
    key: str, message: str, *, id: str | None = None, hint: str | None = None,
    origin: str | None = None,
) -> Problem:
    """An error about dotted ``key``: it stops a start where it is found."""
    return Problem(key, message, origin=origin, id=id, severity="error", hint=hint)


def Warning(  # noqa: N802 - Django's name for the same thing
    key: str, message: str, *, id: str | None = None, hint: str | None = None,
    origin: str | None = None,
) -> Problem:
    """A warning about dotted ``key``: reported, and the start goes on."""
    return Problem(key, message, origin=origin, id=id, severity="warning", hint=hint)


# --- the registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One registered check. ``name`` is its qualified name, as reports say it."""

    function: CheckFunction = field(repr=False)
    deploy: bool = False

    @property
    def name(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"

    def model(self) -> type[Settings]:
        """The model the check is written for (its parameter's annotation), ``Settings`` when
        unannotated. Raises ``TypeError`` for an annotation that is not a settings model."""
        parameters = list(inspect.signature(self.function).parameters)
        if not parameters:
            raise TypeError("takes no parameter; a check takes the settings")
        try:
            hints = typing.get_type_hints(self.function)
        except Exception as exc:  # NameError and more: an annotation that does not resolve
            raise TypeError(f"its annotations cannot be resolved: {exc}") from None
        model = hints.get(parameters[0], Settings)
        if model is Any:
            return Settings
        if not (isinstance(model, type) and issubclass(model, Settings)):
            raise TypeError(f"its parameter is annotated {model!r}, not a Settings model")
        return model

    def applies_to(self, settings: Settings) -> bool:
        """Whether ``settings`` is an instance of the check's model (raises like :meth:`model`)."""
        return isinstance(settings, self.model())

    def problems(self) -> list[Problem]:
        """The problems the check can report: the ``Problem`` constants its code names."""
        scope = getattr(self.function, "__globals__", {})
        found = [scope.get(name) for name in _names(self.function)]
        return list({p: None for p in found if isinstance(p, Problem)})

    def ids(self) -> set[str]:
        """The ids the check can report: its constants', and ids written in its code."""
        ids = {problem.id for problem in self.problems() if problem.id}
        return ids | {text for text in _strings(self.function) if _ID.fullmatch(text)}


_ID = re.compile(r"[A-Za-z_][\w.]*\.[A-Z]\d{3}")
_registry: dict[str, Check] = {}


@overload
def register(function: CheckFunction, /) -> CheckFunction: ...
@overload
def register(*, deploy: bool = False) -> Callable[[CheckFunction], CheckFunction]: ...
def register(
    function: CheckFunction | None = None, /, *, deploy: bool = False
) -> CheckFunction | Callable[[CheckFunction], CheckFunction]:
    """Register a check: ``@register`` (every load) or ``@register(deploy=True)`` (where the
    deployment rules run). Registering a function of the same qualified name again replaces
    it, so importing a module twice does not run its checks twice."""

    def decorate(check: CheckFunction) -> CheckFunction:
        entry = Check(check, deploy)
        _registry[entry.name] = entry
        return check

    return decorate if function is None else decorate(function)


def registered(settings: Settings | None = None, *, deploy: bool = True) -> list[Check]:
    """The registered checks in registration order; with ``settings``, the ones that apply
    to its model (a check whose annotation is not a model is kept: running it reports that);
    without ``deploy``, the ones that run on every load only."""
    checks = [check for check in _registry.values() if deploy or not check.deploy]
    if settings is None:
        return checks
    return [check for check in checks if _applies(check, settings)]


def _applies(check: Check, settings: Settings) -> bool:
    try:
        return check.applies_to(settings)
    except TypeError:
        return True


# --- running them ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """What the checks found: ``problems`` to report, and the findings ``silenced_checks``
    dropped (``python -m settings check`` says how many)."""

    problems: list[Problem]
    silenced: list[Problem] = field(default_factory=list)


def run_checks(settings: Settings, *, deploy: bool) -> list[Problem]:
    """Every problem the checks find, each with the origin of the value it is about;
    ``deploy`` adds the deployment checks. Silenced findings are left out."""
    return check_settings(settings, deploy=deploy).problems


def check_settings(settings: Settings, *, deploy: bool) -> CheckResult:
    """Run every check that applies to ``settings``' model; never raises."""
    found: list[Problem] = []
    for check in registered(settings, deploy=deploy):
        found += _run(check, settings)
    sources = settings.sources
    found = [
        problem if problem.origin or sources is None
        else dataclasses.replace(problem, origin=sources.origin(problem.key) or "schema default")
        for problem in found
    ]
    silenced = set(settings.silenced_checks)
    return CheckResult(
        [problem for problem in found if problem.id not in silenced],
        [problem for problem in found if problem.id in silenced],
    )


def _run(check: Check, settings: Settings) -> list[Problem]:
    """The check's findings; an error naming it if it raises or returns something else."""
    try:
        check.model()
    except TypeError as exc:
        return [_failed(check, f"cannot run: {exc}")]
    try:
        result = check.function(settings)
    except Exception as exc:
        text = mask_secrets(str(exc), settings)
        detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        return [_failed(check, f"raised {detail}")]
    if not isinstance(result, list) or not all(isinstance(p, Problem) for p in result):
        return [_failed(check, f"returned a {type(result).__name__}, not a list of problems")]
    return result


def _failed(check: Check, what: str) -> Problem:
    return Error(
        "settings", f"the check {check.name} {what}",
        hint="a check returns a list of problems (settings.checks.Error/Warning); fix the check",
    )


# --- the built-in rules ------------------------------------------------------------------

E001 = Error(
    "debug", "debug is on; tracebacks would reach clients", id="security.E001",
    hint="set debug = false in the environment's table of settings.toml, or unset APP_DEBUG",
)
E002 = Error(
    "secret_key", "is shorter than 32 characters", id="security.E002",
    hint="set SECRET_KEY (or SECRET_KEY_FILE) to 32+ random characters",
)
E003 = Error(
    "secret_key", "has fewer than 5 distinct characters", id="security.E003",
    hint="generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
)
E004 = Error(
    "secret_key", "is a well-known insecure default or a <placeholder>", id="security.E004",
    hint="set SECRET_KEY (or SECRET_KEY_FILE) to a freshly generated value",
)
E005 = Error(
    "secret_key", "is the development value from settings.toml", id="security.E005",
    hint="set SECRET_KEY (or SECRET_KEY_FILE) in the deployment; never reuse the dev key",
)
E006 = Error(
    "database.password", "is empty", id="security.E006",
    hint="set DB_PASSWORD (or DB_PASSWORD_FILE), or the password in DATABASE_URL; with peer "
    "or certificate authentication, add security.E006 to silenced_checks",
)
E007 = Error(
    "database.driver", "is SQLite; production requires PostgreSQL", id="security.E007",
    hint="set DATABASE_URL=postgresql://... or the DB_* variables",
)
E008 = Error(
    "cors.origins", "allows any origin ('*') together with credentials", id="security.E008",
    hint="list the origins in CORS_ORIGINS, or set cors.allow_credentials = false",
)
E009 = Error(
    "allowed_hosts", "contains '*': any Host header is accepted", id="security.E009",
    hint="list the served hostnames in APP_ALLOWED_HOSTS or settings.toml [production]",
)
E010 = Error(
    "allowed_hosts", "is empty: every request would be refused", id="security.E010",
    hint="list the served hostnames in APP_ALLOWED_HOSTS or settings.toml [production]",
)
E011 = Error(
    "database.password", "is a <placeholder> from .secrets.toml.example", id="security.E011",
    hint="set DB_PASSWORD (or DB_PASSWORD_FILE) to the real password",
)
W001 = Warning(
    "settings", "settings.local.toml is loaded; it is meant for one developer's machine",
    origin="settings.local.toml", id="settings.W001",
    hint="remove settings.local.toml from the deployment",
)
W002 = Warning(
    "settings", "unknown APP_ variable", id="settings.W002",
    hint="fix its spelling (APP_<KEY>, nested with __) or unset it",
)
W003 = Warning(
    "silenced_checks", "names an id that no check reports", id="settings.W003",
    hint="fix the id's spelling (security.E006), or remove it",
)

INSECURE_SECRET_KEYS = frozenset({
    "changeme", "change-me", "change_me", "secret", "secret-key", "secretkey", "secret_key",
    "password", "development", "dev", "insecure", "your-secret-key", "your_secret_key",
    "supersecret", "super-secret", "notsecret", "xxx", "test", "django-insecure",
})


@register(deploy=True)
def check_debug(settings: Settings) -> list[Problem]:
    return [E001] if settings.debug else []


@register(deploy=True)
def check_secret_key_length(settings: Settings) -> list[Problem]:
    return [E002] if len(settings.secret_key.get_secret_value()) < 32 else []


@register(deploy=True)
def check_secret_key_variety(settings: Settings) -> list[Problem]:
    return [E003] if len(set(settings.secret_key.get_secret_value())) < 5 else []


@register(deploy=True)
def check_secret_key_default(settings: Settings) -> list[Problem]:
    key = settings.secret_key.get_secret_value().strip().lower()
    insecure = key in INSECURE_SECRET_KEYS or key.startswith(("django-insecure", "insecure-"))
    return [E004] if insecure or is_placeholder(key) else []


@register(deploy=True)
def check_secret_key_development(settings: Settings) -> list[Problem]:
    sources = settings.sources
    development = sources.development_secrets if sources else frozenset()
    return [E005] if settings.secret_key.get_secret_value() in development else []


@register(deploy=True)
def check_database_password(settings: Settings) -> list[Problem]:
    database = settings.database
    return [E006] if not database.is_sqlite and not database.password.get_secret_value() else []


@register(deploy=True)
def check_database_password_placeholder(settings: Settings) -> list[Problem]:
    return [E011] if is_placeholder(settings.database.password.get_secret_value()) else []


def is_placeholder(value: str) -> bool:
    """``<32+ random characters>``: how .secrets.toml.example marks a value to fill in."""
    value = value.strip()
    return value.startswith("<") and value.endswith(">")


@register(deploy=True)
def check_database_engine(settings: Settings) -> list[Problem]:
    return [E007] if settings.database.is_sqlite else []


@register(deploy=True)
def check_cors(settings: Settings) -> list[Problem]:
    cors = settings.cors
    return [E008] if "*" in cors.origins and cors.allow_credentials else []


@register(deploy=True)
def check_allowed_hosts(settings: Settings) -> list[Problem]:
    if "*" in settings.allowed_hosts:
        return [E009]
    return [] if settings.allowed_hosts else [E010]


@register(deploy=True)
def check_local_file(settings: Settings) -> list[Problem]:
    sources = settings.sources
    return [W001] if sources and "settings.local.toml" in sources.files else []


@register
def check_unknown_variables(settings: Settings) -> list[Problem]:
    sources = settings.sources
    names = sources.unknown_variables if sources else ()
    return [
        dataclasses.replace(W002, origin=f"env {name}", hint=_spelling_hint(name) or W002.hint)
        for name in names
    ]


def _spelling_hint(name: str) -> str | None:
    """``did you mean APP_DATABASE__HOST?`` for ``APP_DATABSE__HOST``, if a key is close."""
    dotted = name.removeprefix("APP_").lower().replace("__", ".")
    known = [key for key, kind in schema_keys().items() if kind != "table" and key not in RESERVED]
    close = difflib.get_close_matches(dotted, known, n=1)
    return f"did you mean APP_{close[0].upper().replace('.', '__')}?" if close else None


@register
def check_silenced_ids(settings: Settings) -> list[Problem]:
    if not settings.silenced_checks:
        return []
    known = {name for check in registered() for name in check.ids()}
    unknown = [name for name in dict.fromkeys(settings.silenced_checks) if name not in known]
    return [
        dataclasses.replace(W003, message=f"{name!r} {W003.message}", hint=_id_hint(name, known))
        for name in unknown
    ]


def _id_hint(name: str, known: set[str]) -> str | None:
    """The closest known id; one with the same number first (``security.W001`` was renamed
    ``settings.W001``)."""
    number = name.rpartition(".")[2]
    same = sorted(other for other in known if other.rpartition(".")[2] == number)
    close = difflib.get_close_matches(name, same, n=1, cutoff=0) if same else []
    close = close or difflib.get_close_matches(name, sorted(known), n=1)
    return f"did you mean {close[0]}?" if close else W003.hint


# --- the table of docs/checks.md -------------------------------------------------------------


def rules_table(checks: Iterable[Check] | None = None) -> str:
    """A Markdown table of what ``checks`` (default: every registered one) can report, by id:
    id, severity, key, message, hint, and when it runs."""
    rows = {
        problem.id or "": (problem, check)
        for check in (registered() if checks is None else checks)
        for problem in check.problems()
    }
    lines = ["| id | severity | key | message | hint | runs |", "|---|---|---|---|---|---|"]
    for name, (problem, check) in sorted(rows.items()):
        runs = "deployment rules" if check.deploy else "every load"
        cells = [f"`{name}`", problem.severity, f"`{problem.key}`", problem.message,
                 problem.hint or "", runs]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text as a Markdown table cell: ``|`` escaped, ``<placeholder>`` not read as HTML."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _codes(function: Any) -> list[CodeType]:
    """The function's code and the code nested in it (comprehensions, inner functions)."""
    code = getattr(function, "__code__", None)
    codes, pending = [], [code] if isinstance(code, CodeType) else []
    while pending:
        code = pending.pop(0)
        codes.append(code)
        pending += [const for const in code.co_consts if isinstance(const, CodeType)]
    return codes


def _names(function: Any) -> list[str]:
    return list(dict.fromkeys(name for code in _codes(function) for name in code.co_names))


def _strings(function: Any) -> list[str]:
    return [c for code in _codes(function) for c in code.co_consts if isinstance(c, str)]
