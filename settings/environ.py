"""Environment variables as layers: ``APP_<KEY>``, the deployment variables and their ``_FILE``.

Values stay literal text: no Dynaconf token, TOML or JSON guessing is applied here; the schema
converts each value by its field's type. Two variables that set one field to different values
are an error naming both; there is never a silent winner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr, ValidationError

from settings.database_url import parse_database_url
from settings.errors import Problem
from settings.keys import field_adapter, schema_keys, unknown_key
from settings.provenance import Assignment, Layer

PREFIX = "APP_"
NESTING = "__"
MAX_FILE_BYTES = 64 * 1024

#: Fixed names, no prefix: what Docker, Kubernetes and PaaS platforms conventionally set.
DEPLOYMENT_VARIABLES = {
    "DATABASE_URL": "database",
    "DB_HOST": "database.host",
    "DB_PORT": "database.port",
    "DB_USERNAME": "database.username",
    "DB_PASSWORD": "database.password",
    "DB_DATABASE": "database.database",
    "SECRET_KEY": "secret_key",
    "CORS_ORIGINS": "cors.origins",
    # uvicorn's and gunicorn's convention; declared by EnvVar("WEB_CONCURRENCY") on main.
    "WEB_CONCURRENCY": "server.workers",
}


@dataclass
class EnvironmentSource:
    """What the environment contributes: layers, errors, and unknown ``APP_`` variables."""

    layers: list[Layer] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def read_environment(environ: Mapping[str, str]) -> EnvironmentSource:
    source = EnvironmentSource()
    for name, target in DEPLOYMENT_VARIABLES.items():
        found = _deployment_value(name, environ, source)
        if found is None:
            continue
        origin, text = found
        if name == "DATABASE_URL":
            try:
                source.layers.append(Layer(origin, parse_database_url(text)))
            except ValueError as exc:
                source.errors.append(Problem("database", f"{name} {exc}", origin))
        else:
            source.layers.append(Layer(origin, {target: text}))
    for name in sorted(environ):
        if name.startswith(PREFIX):
            _prefixed(name, environ[name], source)
    source.errors += _conflicts(source.layers)
    return source


def _deployment_value(
    name: str, environ: Mapping[str, str], source: EnvironmentSource
) -> tuple[str, str] | None:
    file_variable = f"{name}_FILE"
    key = DEPLOYMENT_VARIABLES[name]
    if name in environ and file_variable in environ:
        message = f"both {name} and {file_variable} are set; set only one"
        source.errors.append(Problem(key, message, f"env {name}, env {file_variable}"))
        return None
    if name in environ:
        return f"env {name}", environ[name]
    if file_variable in environ:
        origin = f"{FILE_ORIGIN}{file_variable}"
        try:
            return origin, read_secret_file(environ[file_variable])
        except ValueError as exc:
            source.errors.append(Problem(key, str(exc), origin))
    return None


FILE_ORIGIN = "file named by "


def secret_files(
    history: Mapping[str, tuple[Assignment, ...]], environ: Mapping[str, str]
) -> dict[str, str]:
    """Dotted key -> path, for each winning value read from a file named by a ``_FILE``
    variable (its origin is ``file named by X_FILE``)."""
    files = {}
    for key, assignments in history.items():
        origin = assignments[-1].origin if assignments else ""
        variable = origin.removeprefix(FILE_ORIGIN)
        if origin.startswith(FILE_ORIGIN) and variable in environ:
            files[key] = environ[variable]
    return files


def read_secret_file(path: str) -> str:
    """A mounted secret's content, one trailing newline stripped. Raises ``ValueError``."""
    try:
        with open(path, "rb") as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read {path!r}: {exc.strerror or exc}") from None
    except ValueError:  # open() refuses a path with a NUL byte
        raise ValueError(f"cannot read {path!r}: not a valid path") from None
    if len(content) > MAX_FILE_BYTES:
        raise ValueError(f"{path!r} is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path!r} is not UTF-8 text") from None
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")


def _prefixed(name: str, value: str, source: EnvironmentSource) -> None:
    dotted = name[len(PREFIX) :].lower().replace(NESTING, ".")
    reason = unknown_key(dotted) if dotted else "unknown key"
    if schema_keys().get(dotted) == "mapping":  # text can never be a table of options
        reason = f"is a table; set its keys ({name}{NESTING}<KEY>) instead"
    if reason is None:
        source.layers.append(Layer(f"env {name}", {dotted: value}))
    elif reason.startswith("unknown key"):
        source.unknown.append(name)
    else:
        source.errors.append(Problem(dotted, reason, f"env {name}"))


def _comparable(key: str, value: Any) -> Any:
    """``value`` converted by the field's type (``05432`` is ``5432``), else as it is."""
    adapter = field_adapter(key)
    if adapter is None:
        return value
    try:
        converted = adapter.validate_python(value)
    except ValidationError:
        return value
    return converted.get_secret_value() if isinstance(converted, SecretStr) else converted


def _conflicts(layers: list[Layer]) -> list[Problem]:
    seen: dict[str, tuple[str, Any]] = {}
    problems = []
    for layer in layers:
        for key, value in layer.values.items():
            if key not in seen:
                seen[key] = (layer.origin, value)
                continue
            first_origin, first_value = seen[key]
            if _comparable(key, first_value) != _comparable(key, value):
                message = "set to different values by two variables; keep one"
                problems.append(Problem(key, message, f"{first_origin}, {layer.origin}"))
    return problems
