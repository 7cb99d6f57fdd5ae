"""How a model's settings are read: ``model_config``'s keys, as pydantic-settings names them.

    class AppSettings(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="", env_file=(".env", ".env.local"))

:class:`SettingsConfigDict` is Pydantic's ``ConfigDict`` with the keys of pydantic-settings that
mean something here, and the three that choose environments. :func:`reading_of` reads them
once per model into a :class:`Reading`, with the defaults of this framework; a key of
pydantic-settings that this framework does not implement is an error naming it, never silently
dropped (``json_file`` would otherwise read nothing and say nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from os import PathLike
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

#: The variable prefix that names every key: ``APP_DATABASE__HOST`` sets ``database.host``.
DEFAULT_PREFIX = "APP_"
DEFAULT_DELIMITER = "__"
DEFAULT_ENV_FILE = ".env"


class SettingsConfigDict(ConfigDict, total=False):
    """``model_config`` of a settings model: Pydantic's keys, and how sources are read.

    ``extra`` is Pydantic's: ``"forbid"`` (the default) makes an unknown key in a file an error,
    ``"ignore"`` a warning.
    """

    #: The prefix of the variables named after keys; ``""`` reads each field's own name.
    env_prefix: str
    #: What separates the parts of a nested key in a variable's name (``APP_DATABASE__HOST``).
    env_nested_delimiter: str
    #: Whether variable and ``secrets_dir`` file names must match the field's case.
    case_sensitive: bool
    #: The ``.env`` files, relative to the settings directory; later files win. ``None``: none.
    env_file: str | PathLike[str] | Sequence[str | PathLike[str]] | None
    #: Whether an empty variable counts as unset.
    env_ignore_empty: bool
    #: A directory of files named after keys (``<env_prefix><KEY>``): Docker and Kubernetes
    #: secrets. Relative to the settings directory.
    secrets_dir: str | PathLike[str] | None
    #: The variable choosing the environment (``ENV_FOR_DYNACONF``).
    env_switcher: str
    #: The environment when the switch variable is not set (``development``).
    default_env: str
    #: The environments a start runs the deployment rules in (``["production"]``).
    deploy_environments: Sequence[str]


#: Keys of pydantic-settings' ``SettingsConfigDict`` that have no meaning here: sources this
#: framework reads another way (``toml_file``: ``settings.toml`` is its own) or not at all.
_NOT_IMPLEMENTED = frozenset(
    {
        "env_prefix_target",
        "env_nested_max_split",
        "env_file_encoding",
        "env_file_depth",
        "env_parse_none_str",
        "env_parse_enums",
        "nested_model_default_partial_update",
        "enable_decoding",
        "dotenv_filtering",
        "json_file",
        "json_file_encoding",
        "yaml_file",
        "yaml_file_encoding",
        "yaml_config_section",
        "toml_file",
        "toml_table_header",
        "secrets_prefix",
        "secrets_case_sensitive",
        "secrets_nested_delimiter",
        "secrets_nested_subdir",
        "secrets_dir_missing",
        "secrets_dir_max_size",
        "pyproject_toml_depth",
        "pyproject_toml_table_header",
        "azure_keyvault_mapping",
        "azure_keyvault_dash_to_underscore",
        "cli_parse_args",
    }
)


class Reading:
    """How sources are read for one model: its ``model_config``, defaults filled in."""

    __slots__ = (
        "case_sensitive",
        "env_files",
        "env_ignore_empty",
        "env_nested_delimiter",
        "env_prefix",
        "ignore_unknown",
        "secrets_dir",
    )

    def __init__(
        self,
        *,
        env_prefix: str = DEFAULT_PREFIX,
        env_nested_delimiter: str = DEFAULT_DELIMITER,
        case_sensitive: bool = False,
        env_files: tuple[str, ...] = (DEFAULT_ENV_FILE,),
        env_ignore_empty: bool = False,
        secrets_dir: str | None = None,
        ignore_unknown: bool = False,
    ) -> None:
        self.env_prefix: Final = env_prefix
        self.env_nested_delimiter: Final = env_nested_delimiter
        self.case_sensitive: Final = case_sensitive
        self.env_files: Final = env_files
        self.env_ignore_empty: Final = env_ignore_empty
        self.secrets_dir: Final = secrets_dir
        #: Unknown keys in files are warnings (``extra = "ignore"``), not errors.
        self.ignore_unknown: Final = ignore_unknown

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Reading({fields})"

    def variable(self, key: str) -> str:
        """The variable named after dotted ``key``: ``database.host`` -> ``APP_DATABASE__HOST``."""
        name = self.env_prefix + key.replace(".", self.env_nested_delimiter)
        return name if self.case_sensitive else name.upper()


@cache
def reading_of(model: type[BaseModel]) -> Reading:
    """The :class:`Reading` of ``model``. Raises ``TypeError`` naming a key that is unknown,
    not implemented, or of the wrong type."""
    config: dict[str, Any] = dict(model.model_config)
    name = model.__name__
    for key in config:
        if key in _NOT_IMPLEMENTED or key.startswith("cli_"):
            raise TypeError(
                f"{name}.model_config: {key!r} is a pydantic-settings key this framework does "
                "not implement; remove it (docs/how-to/from-pydantic-settings.md says what "
                "replaces it)"
            )
        if key not in _KNOWN:
            raise TypeError(f"{name}.model_config: {key!r} is not a settings or Pydantic key")
    prefix = _text(config, "env_prefix", name, DEFAULT_PREFIX, empty=True)
    delimiter = _text(config, "env_nested_delimiter", name, DEFAULT_DELIMITER, empty=False)
    files = config.get("env_file", DEFAULT_ENV_FILE)
    if files is None:
        env_files: tuple[str, ...] = ()
    elif isinstance(files, str | PathLike):
        env_files = (str(files),)
    elif isinstance(files, Sequence) and all(isinstance(f, str | PathLike) for f in files):
        env_files = tuple(str(f) for f in files)
    else:
        raise TypeError(f"{name}.model_config: 'env_file' must be a path or a list of paths")
    if config.get("extra") == "allow":
        raise TypeError(
            f"{name}.model_config: 'extra' = 'allow' is not supported: a setting is a field; "
            "use 'ignore' to make unknown keys warnings"
        )
    secrets_dir = config.get("secrets_dir")
    if secrets_dir is not None and not isinstance(secrets_dir, str | PathLike):
        raise TypeError(f"{name}.model_config: 'secrets_dir' must be a path")
    return Reading(
        env_prefix=prefix,
        env_nested_delimiter=delimiter,
        case_sensitive=_flag(config, "case_sensitive", name),
        env_files=env_files,
        env_ignore_empty=_flag(config, "env_ignore_empty", name),
        secrets_dir=None if secrets_dir is None else str(secrets_dir),
        ignore_unknown=config.get("extra") == "ignore",
    )


def _text(config: dict[str, Any], key: str, model: str, default: str, *, empty: bool) -> str:
    value = config.get(key, default)
    if not isinstance(value, str) or (not value and not empty):
        raise TypeError(
            f"{model}.model_config: {key!r} must be {'' if empty else 'non-empty '}text"
        )
    return value


def _flag(config: dict[str, Any], key: str, model: str) -> bool:
    value = config.get(key, False)
    if not isinstance(value, bool):
        raise TypeError(f"{model}.model_config: {key!r} must be true or false")
    return value


_KNOWN = frozenset(ConfigDict.__annotations__) | frozenset(SettingsConfigDict.__annotations__)
