"""Environment variables as layers: ``APP_<KEY>``, the declared variables and their ``_FILE``.

Which variables exist follows the model: ``APP_<KEY>`` for every key at any depth (nested with
``__``), every variable a field declares with :class:`settings.EnvVar` (``DB_HOST``,
``SECRET_KEY`` ... on the base models, an application's own on its fields), those declared on a
section (``DATABASE_URL``, which sets several ``database`` fields, as the section reads it), and
for each of them ``<NAME>_FILE``, the path of a
file holding the value. Names match in any case unless the model is ``case_sensitive`` (a
``validation_alias="redis_host"`` reads ``REDIS_HOST``, as in pydantic-settings), and in ASCII
only: a look-alike letter (the Kelvin sign for ``K``) is another name.

Variables from ``.env`` (:mod:`settings.sources._dotenv`) join the real ones before anything is
read,
each real variable shadowing the ``.env`` line of the same name; each value keeps its origin
(``env DB_HOST`` or ``.env DB_HOST``), and conflicts are judged on the merged variables, the same
as between real ones.

Values stay literal text (no Dynaconf token, no TOML), and the schema converts each value by its
field's type, with one exception decided by the type, never by guessing from the text: where
the field is a collection (``list``, ``tuple``, ``set``, ``frozenset`` of any item type, also
inside ``Optional`` or ``Annotated``) the text is a JSON array or comma-separated items, blanks
trimmed and empty items dropped (where the type also takes text, ``list[str] | str``, a JSON
array or else the text as written), and where it is a mapping or a table (a section) the text is a
JSON object, as pydantic-settings reads them (:func:`from_text`). Errors never quote the text.

Two variables that set one field to different values are an error naming both; there is never
a silent winner.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    PlainValidator,
    ValidationError,
    WrapValidator,
)

from settings._errors import Problem
from settings._provenance import FILE_ORIGIN, Layer
from settings._redact import SECRET_TYPES
from settings.schema._config import Reading, reading_of
from settings.schema._keys import (
    canonical_key,
    declared_variables,
    field_adapter,
    field_info,
    model_of,
    schema_keys,
    section_at,
    unknown_key,
)
from settings.schema._types import split_items
from settings.sources._files import DOTENV_FILE, read_regular_file

FILE_SUFFIX = "_FILE"
_COLLECTIONS = (list, tuple, set, frozenset)
_TEXT_VALIDATORS = (BeforeValidator, PlainValidator, WrapValidator)

MAX_FILE_BYTES = 64 * 1024


class EnvironmentSource:
    """What the environment contributes: layers, errors, unknown ``APP_`` variables, and the
    path of each file a value was read from (by dotted key)."""

    __slots__ = ("errors", "layers", "root", "secret_files", "unknown")

    def __init__(self, root: Path | None = None) -> None:
        self.layers: list[Layer] = []
        self.errors: list[Problem] = []
        self.unknown: list[str] = []  # origins: "env APP_X", ".env APP_X"
        #: The settings directory: a relative ``X_FILE`` path is relative to it, as a relative
        #: SQLite path is (``None``: the working directory).
        self.root = root
        self.secret_files: dict[str, str] = {}


def deployment_variables(model: type[BaseModel]) -> dict[str, str]:
    """The variables without prefix that ``model`` reads (each also as ``<NAME>_FILE``), and
    the key each sets: one declared on a section (``DATABASE_URL``) sets several inside it."""
    return declared_variables(model)


class Variables(Mapping[str, str]):
    """The real variables over those of ``.env``, each name knowing where it came from."""

    def __init__(
        self,
        environ: Mapping[str, str],
        dotenv: Mapping[str, str] | None,
        files: Mapping[str, str] | None = None,
    ) -> None:
        self._real = environ
        self._values = {**(dotenv or {}), **environ}
        self._files = files or {}  # the env_file each .env variable came from
        self._folded: dict[str, str] = {}  # NAME -> the name as set (ASCII names only)
        for name in self._values:
            if name.isascii():
                self._folded.setdefault(name.upper(), name)

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def spelled(self, name: str) -> str:
        """``name`` as it is set, matched in any case where it is not set as written (ASCII
        letters only); ``name`` itself where it is not set at all."""
        if name in self._values or not name.isascii():
            return name
        return self._folded.get(name.upper(), name)

    def origin(self, name: str) -> str:
        """``env NAME`` for a real variable, ``.env NAME`` for one of ``.env``."""
        return (
            f"env {name}" if name in self._real else f"{self._files.get(name, DOTENV_FILE)} {name}"
        )


def read_environment(
    environ: Mapping[str, str],
    model: type[BaseModel],
    dotenv: Mapping[str, str] | None = None,
    root: Path | None = None,
    dotenv_files: Mapping[str, str] | None = None,
) -> EnvironmentSource:
    """The layers the variables give: the real ones of ``environ``, and those of ``.env``
    (``dotenv``, each from the file ``dotenv_files`` names) below them, name by name."""
    reading = reading_of(model)
    if reading.env_ignore_empty:
        environ = {k: v for k, v in environ.items() if v}
        dotenv = {k: v for k, v in (dotenv or {}).items() if v}
    variables = Variables(environ, dotenv, dotenv_files)
    source = EnvironmentSource(root=root)
    for name, key in deployment_variables(model).items():
        # in any case unless case_sensitive, as pydantic-settings reads a validation_alias
        found = _value(name, key, variables, source, fold=not reading.case_sensitive)
        if found is None:
            continue
        origin, values = found
        section = section_at(model, key)
        if section is None:
            _add(source, model, origin, key, values[key])
            continue
        try:
            parts = section.from_variable(values[key])
        except ValueError as exc:
            source.errors.append(Problem(key, f"{name} {exc}", origin))
        else:
            source.layers.append(Layer(origin, {f"{key}.{k}": v for k, v in parts.items()}))
    for name in sorted(variables):
        dotted = _named_key(name, reading)
        if dotted is not None:
            _prefixed(name, dotted, variables, source, model)
    source.errors += _conflicts(source.layers, model)
    return source


def _named_key(name: str, reading: Reading) -> str | None:
    """The dotted key variable ``name`` names (``APP_DATABASE__HOST`` -> ``database.host``),
    as written; ``None`` when it is not under the prefix."""
    prefix, delimiter = reading.env_prefix, reading.env_nested_delimiter
    if not name.isascii() and not reading.case_sensitive:
        # str.lower() would turn a look-alike letter (the Kelvin sign) into an ASCII one
        return "" if name.upper().startswith(prefix.upper()) and prefix else None
    if reading.case_sensitive:
        if not name.startswith(prefix):
            return None
        return name[len(prefix) :].replace(delimiter, ".")
    if not name.upper().startswith(prefix.upper()):
        return None
    return name[len(prefix) :].lower().replace(delimiter.lower(), ".")


def _add(
    source: EnvironmentSource, model: type[BaseModel], origin: str, key: str, text: Any
) -> None:
    """A variable's text for ``key`` as a layer: converted where the field's type is a
    collection (JSON or comma-separated), a mapping or a table (JSON)."""
    name = "" if origin.startswith(FILE_ORIGIN) else origin.rpartition(" ")[2]
    try:
        values = from_text(model, key, text, name)
    except ValueError as exc:
        source.errors.append(Problem(key, str(exc), origin))
        return
    if len(values) > 1 or key not in values:  # a JSON object given to a table: its keys
        for dotted in list(values):
            if (reason := unknown_key(model, dotted)) is not None:
                source.errors.append(Problem(dotted, reason, origin))
                del values[dotted]
    source.layers.append(Layer(origin, values))


def _value(
    name: str, key: str, environ: Variables, source: EnvironmentSource, *, fold: bool = False
) -> tuple[str, dict[str, str]] | None:
    """``(origin, {key: text})``: variable ``name``, or the file ``<NAME>_FILE`` names; each
    name matched in any case when ``fold``."""
    file_variable = f"{name}{FILE_SUFFIX}"
    if fold:
        name, file_variable = environ.spelled(name), environ.spelled(file_variable)
    if name in environ and file_variable in environ:
        message = f"both {name} and {file_variable} are set; set only one"
        origins = f"{environ.origin(name)}, {environ.origin(file_variable)}"
        source.errors.append(Problem(key, message, origins))
        return None
    if name in environ:
        return environ.origin(name), {key: environ[name]}
    if file_variable in environ:
        origin = f"{FILE_ORIGIN}{file_variable}"
        try:
            path = _beside(source.root, environ[file_variable])
            text = read_secret_file(path)
        except ValueError as exc:
            source.errors.append(Problem(key, str(exc), origin))
            return None
        source.secret_files[key] = path
        return origin, {key: text}
    return None


def read_secret_file(path: str) -> str:
    """A mounted secret's content, one trailing newline stripped. Raises ``ValueError``."""
    # A regular file only, capped: a FIFO or /dev/zero must not hang or exhaust the load.
    content = read_regular_file(path, limit=MAX_FILE_BYTES)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path!r} is not UTF-8 text") from None
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")


def _prefixed(
    name: str, dotted: str, environ: Variables, source: EnvironmentSource, model: type[BaseModel]
) -> None:
    """One variable named after a key: its value, or (``APP_<KEY>_FILE``) the file holding it.

    Without a prefix (``env_prefix = ""``) every variable of the process is a candidate, so
    one that names no key is somebody else's, not an unknown setting."""
    reading = reading_of(model)
    unknown = source.unknown if reading.env_prefix else []
    if not dotted:
        unknown.append(environ.origin(name))
        return
    if not reading.case_sensitive:
        dotted = canonical_key(model, dotted)
    kinds = schema_keys(model)
    if dotted.lower().endswith("_file") and unknown_key(model, dotted) is not None:
        key = dotted[: -len(FILE_SUFFIX)]
        key = key if reading.case_sensitive else canonical_key(model, key)
        if key and kinds.get(key) == "leaf":
            found = _value(name[: -len(FILE_SUFFIX)], key, environ, source)
            if found is not None:
                _add(source, model, found[0], key, found[1][key])
            return
    if f"{name}{FILE_SUFFIX}" in environ and kinds.get(dotted) == "leaf":
        return  # read, or reported as set twice, with its _FILE form
    reason = unknown_key(model, dotted) if dotted else "unknown key"
    if reason is None or kinds.get(dotted) == "table":
        _add(source, model, environ.origin(name), dotted, environ[name])
    elif reason.startswith("unknown key"):
        unknown.append(environ.origin(name))
    else:
        source.errors.append(Problem(dotted, reason, environ.origin(name)))


def _comparable(model: type[BaseModel], key: str, value: Any) -> Any:
    """``value`` converted by the field's type (``05432`` is ``5432``, ``"true "`` is ``True``
    as the whitespace rule reads it), else as it is."""
    adapter = field_adapter(model, key)
    if adapter is None:
        return value
    try:
        converted = adapter.validate_python(value)
    except ValidationError:
        if not isinstance(value, str) or value == value.strip():
            return value
        try:  # text would have validated: blanks around a number or a boolean mean nothing
            converted = adapter.validate_python(value.strip())
        except ValidationError:
            return value
    if isinstance(converted, SECRET_TYPES):
        return converted.get_secret_value()
    return converted


def _conflicts(layers: list[Layer], model: type[BaseModel]) -> list[Problem]:
    seen: dict[str, tuple[str, Any]] = {}
    problems = []
    for layer in layers:
        for key, value in layer.values.items():
            if key not in seen:
                seen[key] = (layer.origin, value)
                continue
            first_origin, first_value = seen[key]
            if _comparable(model, key, first_value) != _comparable(model, key, value):
                message = "set to different values by two variables; keep one"
                origins = f"{_ascii(first_origin)}, {_ascii(layer.origin)}"
                problems.append(Problem(key, message, origins))
    return problems


def _ascii(origin: str) -> str:
    """An origin whose variable name is not ASCII, written so look-alikes can be told apart."""
    return origin if origin.isascii() else ascii(origin)[1:-1]


def _beside(root: Path | None, path: str) -> str:
    """``path`` as given when absolute (or no root), else relative to the settings directory."""
    if root is None or not path or Path(path).is_absolute():
        return path
    return str(root / path)


def read_secrets_dir(model: type[BaseModel], root: Path) -> EnvironmentSource:
    """The layer of the model's ``secrets_dir``: a file per key, named as the key's variable
    (``<env_prefix><KEY>``, or a variable the field declares: its ``validation_alias`` or
    :class:`EnvVar`; pydantic-settings' naming; Docker's and Kubernetes' mounted secrets).
    Other files in the directory are not settings and are left alone; two files that set one
    key to different values are an error naming both.

    A missing directory is a warning (a mount that did not happen); one that is not a
    directory, or a file that cannot be read, is an error naming the path."""
    reading = reading_of(model)
    source = EnvironmentSource(root=root)
    if reading.secrets_dir is None:
        return source
    directory = Path(_beside(root, reading.secrets_dir))
    if not directory.exists():
        message = f"directory {str(directory)!r} does not exist; no secrets were read from it"
        source.errors.append(Problem("secrets_dir", message, "model_config", severity="warning"))
        return source
    if not directory.is_dir():
        message = f"{str(directory)!r} is not a directory"
        source.errors.append(Problem("secrets_dir", message, "model_config"))
        return source
    declared = {
        _folded(name, reading): key
        for name, key in deployment_variables(model).items()
        if section_at(model, key) is None  # DATABASE_URL: a variable, not a file
    }
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):  # Kubernetes' ..data links
            continue
        key = declared.get(_folded(path.name, reading)) or _secret_key(path.name, model, reading)
        if key is None:
            continue
        origin = f"{FILE_ORIGIN}secrets_dir: {path}"
        try:
            text = read_secret_file(str(path))
        except ValueError as exc:
            source.errors.append(Problem(key, str(exc), origin))
            continue
        _add(source, model, origin, key, text)
        if schema_keys(model).get(key) == "leaf":  # read again when it rotates
            source.secret_files[key] = str(path)
    source.errors += _conflicts(source.layers, model)
    return source


def _folded(name: str, reading: Reading) -> str:
    """``name`` as compared: as written when ``case_sensitive`` (or not ASCII), else upper."""
    return name if reading.case_sensitive or not name.isascii() else name.upper()


def _secret_key(name: str, model: type[BaseModel], reading: Reading) -> str | None:
    """The key a ``secrets_dir`` file named ``<env_prefix><KEY>`` sets, ``None`` for another."""
    dotted = _named_key(name, reading)
    if not dotted:
        return None
    key = dotted if reading.case_sensitive else canonical_key(model, dotted)
    if unknown_key(model, key) is not None and schema_keys(model).get(key) != "table":
        return None
    return key


def from_text(model: type[BaseModel], key: str, text: Any, name: str = "") -> dict[str, Any]:
    """``{dotted key: value}`` for a variable's ``text`` given to ``key``; ``ValueError`` when
    the text cannot be what the field takes. ``name`` is the variable, for the hint."""
    if not isinstance(text, str):
        return {key: text}
    kind = schema_keys(model).get(key)
    if kind == "table" or kind == "mapping":
        hint = f" or set its keys ({name}__<KEY>)" if name else ""
        table = _json(text, dict, f"is a table; give a JSON object{hint}")
        return _keyed(model, key, table) if kind == "table" else {key: table}
    info = field_info(model, key)
    if info is not None and _is_collection(info.annotation) and not _reads_text(model, key):
        if _takes_text(info.annotation):  # list[str] | str: the text is a value as it is
            return {key: _array_or_text(text)}
        return {key: split_items(text)}
    return {key: text}


def _array_or_text(text: str) -> Any:
    """A JSON array's items, else the text as written (pydantic-settings' reading of a
    field that takes a list or text)."""
    if not text.lstrip().startswith("["):
        return text
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return text
    return value if isinstance(value, list) else text


def _json(text: str, kind: type, expected: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if not text.lstrip().startswith(("[", "{")):
            raise ValueError(expected) from None
        raise ValueError(f"{expected}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ValueError(f"{expected}: nested too deeply") from None
    if not isinstance(value, kind):
        raise ValueError(expected)
    return value


def _keyed(model: type[BaseModel], key: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON object given to a table, as the dotted keys it sets (a missing key keeps what
    lower layers give it, as a table in a file does)."""
    flat: dict[str, Any] = {}
    kinds = schema_keys(model)
    for name, value in table.items():
        dotted = canonical_key(model, f"{key}.{name}")
        if isinstance(value, Mapping) and kinds.get(dotted) == "table":
            flat.update(_keyed(model, dotted, value))
        else:
            flat[dotted] = value
    return flat


def _reads_text(model: type[BaseModel], key: str) -> bool:
    """Whether the field at ``key`` reads text itself, with a validator that runs before its
    type's (``StrList``, a ``BeforeValidator``, ``@field_validator(mode="before")``): it gets
    the variable's text as it is, as pydantic-settings' ``NoDecode`` gives it."""
    *parents, name = key.split(".")
    owner = model_of(field_info(model, ".".join(parents)).annotation) if parents else model
    if owner is None:
        return False
    info = owner.model_fields[name]
    annotation = info.annotation
    metadata = [*info.metadata]
    while get_origin(annotation) is Annotated:
        annotation, *more = get_args(annotation)
        metadata += more
    if any(isinstance(item, _TEXT_VALIDATORS) for item in metadata):
        return True
    for decorator in owner.__pydantic_decorators__.field_validators.values():
        if name in decorator.info.fields and decorator.info.mode != "after":
            return True
    return False


def _takes_text(annotation: Any) -> bool:
    """Whether ``annotation`` is a union one of whose members is ``str``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_text(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(arg is str or _takes_text(arg) for arg in get_args(annotation))
    return False


def _is_collection(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_collection(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_is_collection(arg) for arg in get_args(annotation) if arg is not type(None))
    return origin in _COLLECTIONS or annotation in _COLLECTIONS
