"""What a settings model declares, read off its types: keys, defaults, variables and secrets.

Everything the framework knows about an application's settings comes from here, computed once
per model class: the dotted keys a file or variable may set (so a misspelled key is an error
that names it), the schema's defaults, the deployment variables declared with
:class:`settings.EnvVar`, and which keys hold secrets (any ``SecretStr`` or ``SecretBytes``, at
any depth, inside lists and dicts too). No list of names is kept by hand.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, get_args, get_origin

from pydantic import AliasChoices, BaseModel, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from settings.schema import BaseSettings, EnvVar, Section
from settings.schema._config import reading_of

#: Keys no file or variable may set: the loader sets them itself.
RESERVED = {
    "environment": "the environment is chosen by the switch variable (ENV_FOR_DYNACONF or the "
    "application's env_switcher), not set in a file"
}

Model = type[BaseSettings]


def model_of(annotation: Any) -> type[BaseModel] | None:
    if get_origin(annotation) in (list, dict, tuple, set, frozenset):  # list[Section]: a value
        return None
    candidates = (annotation, *get_args(annotation))
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_mapping(annotation: Any) -> bool:
    if get_origin(annotation) is dict:
        return True
    return any(get_origin(arg) is dict for arg in get_args(annotation))


@cache
def schema_keys(model: type[BaseModel], prefix: str = "") -> dict[str, str]:
    """Every dotted key of ``model``: ``"leaf"``, ``"table"`` or ``"mapping"`` (free keys)."""
    keys: dict[str, str] = {}
    for name, info in model.model_fields.items():
        dotted = prefix + name
        nested = model_of(info.annotation)
        if nested is not None:
            keys[dotted] = "table"
            keys.update(schema_keys(nested, dotted + "."))
        else:
            keys[dotted] = "mapping" if _is_mapping(info.annotation) else "leaf"
    return keys


@cache
def _spellings(model: type[BaseModel]) -> dict[str, str]:
    """Each key of ``model`` in lower case -> as the model spells it (``secret_key`` ->
    ``SECRET_KEY``). Raises ``TypeError`` for two fields one name apart in case only."""
    spellings: dict[str, str] = {}
    for key in [*schema_keys(model), *computed_keys(model)]:
        lowered = key.lower()
        if lowered == "environment":  # every spelling of it is the environment: reserved
            spellings[lowered] = lowered
            continue
        if lowered in spellings:
            raise TypeError(
                f"{model.__name__}: {spellings[lowered]} and {key} differ only in case; keys "
                "in files and variables are case-insensitive, so rename one"
            )
        spellings[lowered] = key
    return spellings


def canonical_key(model: type[BaseModel], dotted: str) -> str:
    """``dotted`` as ``model`` spells it, each part naming a field matched in any case
    (``SECRET_KEY``, ``database.HOST``); the keys inside a mapping are kept as written, and a
    key the model does not have is returned unchanged."""
    spellings = _spellings(model)
    found = spellings.get(dotted.lower())
    if found is not None:
        return found
    parts = dotted.split(".")
    for end in range(len(parts) - 1, 0, -1):
        head = spellings.get(".".join(parts[:end]).lower())
        if head is not None:
            return ".".join([head, *parts[end:]])
    return dotted


@cache
def _all_lower(model: type[BaseModel]) -> bool:
    return all(key == spelled for key, spelled in _spellings(model).items())


def canonical_keys(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each dotted key as ``model`` spells it (:func:`canonical_key`)."""
    if _all_lower(model):
        return values  # every field named in lower case: keys are already spelled so
    return {canonical_key(model, key): value for key, value in values.items()}


@cache
def computed_keys(model: type[BaseModel], prefix: str = "") -> frozenset[str]:
    """The dotted keys of ``@computed_field`` values, any depth: shown, never set."""
    found = {prefix + name for name in model.model_computed_fields}
    for name, info in model.model_fields.items():
        nested = model_of(info.annotation)
        if nested is not None:
            found |= computed_keys(nested, f"{prefix}{name}.")
    return frozenset(found)


def stored_values(value: Any) -> Any:
    """A settings object (or any value inside one) as plain tables of its fields: what
    ``model_dump()`` gives, without the computed values, which validation would refuse."""
    if isinstance(value, BaseModel):
        return {name: stored_values(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, dict):
        return {key: stored_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(stored_values(item) for item in value)
    return value


def settable_keys(model: type[BaseModel]) -> list[str]:
    """The keys a file or variable may set: leaves and mappings, not tables nor reserved keys."""
    return [
        k for k, kind in schema_keys(model).items() if kind != "table" and k.lower() not in RESERVED
    ]


def unknown_key(model: type[BaseModel], dotted: str) -> str | None:
    """Why ``dotted`` cannot be set (unknown, a table, reserved), or ``None`` if it can."""
    keys = schema_keys(model)
    if dotted.lower() in RESERVED:
        return RESERVED[dotted.lower()]
    kind = keys.get(dotted)
    if kind == "leaf" or kind == "mapping":
        return None
    if kind == "table":
        return f"is a table; set its keys ({dotted}.<key>) instead"
    if dotted in computed_keys(model):
        return "is computed by the model from other settings; it cannot be set"
    parent = dotted.rpartition(".")[0]
    while parent:
        if keys.get(parent) == "mapping":
            return None
        if keys.get(parent) == "leaf":
            return f"{parent} is a value, not a table"
        parent = parent.rpartition(".")[0]
    import difflib  # only for a misspelling: a clean load never needs it

    spelled = {k.lower(): k for k in keys if k.lower() not in RESERVED}  # any case, as matched
    close = [spelled[k] for k in difflib.get_close_matches(dotted.lower(), spelled, n=1)]
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown key{hint}"


def section_at(model: type[BaseModel], dotted: str) -> type[Section] | None:
    """The section class of the table at ``dotted``, or ``None`` where it is no table."""
    info = field_info(model, dotted)
    nested = model_of(info.annotation) if info is not None else None
    return nested if nested is not None and issubclass(nested, Section) else None


def field_info(model: type[BaseModel], dotted: str) -> Any:
    """The ``FieldInfo`` at ``dotted``, or ``None`` where no field is (inside a mapping)."""
    *parents, leaf = dotted.split(".")
    for part in parents:
        info = model.model_fields.get(part)
        nested = model_of(info.annotation) if info else None
        if nested is None:
            return None
        model = nested
    return model.model_fields.get(leaf)


@cache
def field_adapter(model: type[BaseModel], dotted: str) -> TypeAdapter[Any] | None:
    """A validator of the type (with its constraints) of the field at ``dotted``, if a leaf."""
    info = field_info(model, dotted)
    if info is None or model_of(info.annotation) is not None:
        return None
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[annotation, *info.metadata]
    return TypeAdapter(annotation)


@cache
def schema_defaults(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """The default the schema gives each dotted leaf key; a key without one is absent.

    Cached and shared: copy a value before changing it.
    """
    defaults: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        default = info.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            defaults.update(schema_defaults(type(default), f"{prefix}{name}."))
        elif default is not PydanticUndefined:
            defaults[prefix + name] = default
    return defaults


@cache
def declared_variables(model: type[BaseModel], prefix: str = "") -> dict[str, str]:
    """``{"DB_HOST": "database.host"}``: each :class:`EnvVar` declared in ``model``, any depth.

    Raises ``TypeError`` when two fields declare one name: a variable sets one field.
    """
    found: dict[str, str] = {}
    for name, info in model.model_fields.items():
        dotted = prefix + name
        nested = model_of(info.annotation)
        inner = declared_variables(nested, dotted + ".") if _reads_inner(nested, name) else {}
        own = {name: dotted for name in _named_variables(info)}
        for variable, key in {**inner, **own}.items():
            if variable in found:
                raise TypeError(
                    f"{model.__name__}: EnvVar({variable!r}) is declared on both "
                    f"{found[variable]} and {key}; a variable sets one field"
                )
            found[variable] = key
    if not prefix:
        _spellings(model)
        _check_variable_names(model, found)
    return found


def _named_variables(info: FieldInfo) -> list[str]:
    """The variables a field names: its :class:`EnvVar`, and its ``validation_alias`` (text or
    ``AliasChoices`` of text), which pydantic-settings reads as variable names."""
    names = [meta.name for meta in info.metadata if isinstance(meta, EnvVar)]
    alias = info.validation_alias
    if isinstance(alias, str):
        names.append(alias)
    elif isinstance(alias, AliasChoices):
        names += [choice for choice in alias.choices if isinstance(choice, str)]
    return names


def _reads_inner(nested: type[BaseModel] | None, name: str) -> bool:
    """Whether the variables declared inside ``nested`` are read under the field ``name``
    (:attr:`Section.variables_field`: ``DB_HOST`` sets ``database``, not ``replica``)."""
    if nested is None:
        return False
    only = nested.variables_field if issubclass(nested, Section) else None
    return only is None or only == name.lower()


#: A variable's name as a shell writes it.
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _check_variable_names(model: type[BaseModel], found: dict[str, str]) -> None:
    """Raise ``TypeError`` for a declared name that could never be set as written or would
    collide: an empty or malformed one, one under the variable prefix (which already names
    every key) or, without a prefix, another key's own name, and ``X`` beside ``X_FILE``
    (``X_FILE`` would set both). Also for a ``model_config`` this framework cannot follow, and
    two keys one name apart in case only."""
    reading = reading_of(model)
    own_names = _own_names(model) if not reading.env_prefix else {}
    for variable, key in found.items():
        if not _VARIABLE_NAME.fullmatch(variable):
            raise TypeError(f"{model.__name__}: EnvVar({variable!r}) on {key} is not a name")
        prefix = reading.env_prefix
        if prefix and variable.upper().startswith(prefix.upper()):
            raise TypeError(
                f"{model.__name__}: EnvVar({variable!r}) on {key} is under the {prefix} "
                "prefix, which already names every key; choose another name"
            )
        other = own_names.get(variable if reading.case_sensitive else variable.upper())
        if other is not None and other != key:
            raise TypeError(
                f"{model.__name__}: EnvVar({variable!r}) on {key} is the name of the variable "
                f"of {other}; choose another name"
            )
        if f"{variable}_FILE" in found:
            other = found[f"{variable}_FILE"]
            raise TypeError(
                f"{model.__name__}: EnvVar({variable + '_FILE'!r}) on {other} is the file "
                f"variable of EnvVar({variable!r}) on {key}; choose another name"
            )


def _own_names(model: type[BaseModel]) -> dict[str, str]:
    """Without a prefix: each settable key's own variable name -> the key."""
    reading = reading_of(model)
    return {reading.variable(key): key for key in settable_keys(model)}
