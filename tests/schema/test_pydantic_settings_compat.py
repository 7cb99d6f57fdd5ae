"""pydantic-settings compatibility, proven: one model source loaded by pydantic-settings and ours.

Each case is the source of a pydantic-settings model, written as its users write one. It is
loaded twice, in a fresh directory that is also the working directory: by pydantic-settings
(the installed 2.x) as written, reading ``os.environ`` (the case's variables and nothing else),
and by this framework with ``from pydantic_settings import BaseSettings, SettingsConfigDict``
replaced by ``from settings import BaseSettings, SettingsConfigDict`` (the one-import move of
SPEC 13), through :func:`settings.load_settings` with the same variables given as ``environ=``
and a ``settings.toml`` holding only ``[default]`` and ``[development]``. Both read the same
``.env`` files and the same ``secrets_dir``.

The whole ``model_dump()`` of both is compared (computed fields included; without
``environment`` and ``silenced_checks``, which only ours has), a load that fails on one side
being :data:`FAILS`. ``expect`` pins the keys the case is about, so that a case whose input
neither side read cannot pass. A case with ``differs`` is an intended difference: its reason is
written beside it and its id in the section "Differences from pydantic-settings" of
docs/how-to/from-pydantic-settings.md, and pydantic-settings' result is pinned too
(``theirs``), so a change on either side shows here.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import sys
import textwrap
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import AnyUrl, BaseModel, SecretStr

from settings import ImproperlyConfigured, load_settings

FAILS = "<fails>"  # the load fails: ours reports a problem, pydantic-settings raises

OUR_IMPORT = "from settings import BaseSettings, SettingsConfigDict"
THEIR_IMPORT = "from pydantic_settings import BaseSettings, SettingsConfigDict"

#: What every case's module starts with; the case adds the class ``Model``.
HEADER = f"""\
import enum
from typing import Annotated, Any, Optional

from pydantic import (
    AliasChoices,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    computed_field,
    field_validator,
    model_validator,
)
from pydantic_settings import NoDecode

{THEIR_IMPORT}


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Pool(BaseModel):
    size: int = 5


class Db(BaseModel):
    host: str = "localhost"
    port: int = 5432
    hosts: list[str] = []
    pool: Pool = Pool()


class Mail(BaseModel):
    host: str = ""
    password: SecretStr = SecretStr("")


class Item(BaseModel):
    k: int = 0
    name: str = ""
"""

#: The ``settings.toml`` of every case: ours needs one, and it sets nothing.
SETTINGS_TOML = "[default]\n[development]\n"


@dataclass(frozen=True)
class Case:
    id: str
    config: str  # the arguments of SettingsConfigDict(...)
    body: str  # the fields and methods of the model
    expect: Mapping[str, Any] | str  # the keys the case is about (ours), or FAILS
    environ: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)  # .env files, secrets: path -> text
    differs: str | None = None  # why ours differs, on purpose
    theirs: Mapping[str, Any] | str | None = None  # pydantic-settings' values, where ours differs


PORT = "port: int = 8000"
NAME = 'name: str = "default"'
HOSTS = "hosts: list[str] = []"
EMPTY_PREFIX = 'env_prefix=""'
APP = 'env_prefix="APP_"'
NESTED = 'env_prefix="APP_", env_nested_delimiter="__"'
SMTP_HOST = (
    "SMTP_HOST: Optional[str] = "
    'Field(default=None, validation_alias=AliasChoices("MAIL_HOST", "SMTP"))'
)

CASES = [
    # --- env_prefix --------------------------------------------------------------------------
    Case("prefix-empty", EMPTY_PREFIX, PORT, {"port": 9000}, {"PORT": "9000"}),
    Case(
        "prefix-empty-upper-case-fields",
        EMPTY_PREFIX,
        'PROJECT_NAME: str = "demo"\nSECRET_KEY: SecretStr = SecretStr("")',
        {"PROJECT_NAME": "shop", "SECRET_KEY": SecretStr("k" * 12)},
        {"PROJECT_NAME": "shop", "SECRET_KEY": "k" * 12},
    ),
    Case(
        "prefix-empty-variable-in-lower-case",
        EMPTY_PREFIX,
        'PROJECT_NAME: str = "demo"',
        {"PROJECT_NAME": "shop"},
        {"project_name": "shop"},
    ),
    Case("prefix-app", APP, PORT, {"port": 9000}, {"APP_PORT": "9000"}),
    Case("prefix-app-not-the-bare-name", APP, PORT, {"port": 8000}, {"PORT": "9000"}),
    Case(
        "prefix-in-lower-case",
        'env_prefix="shop_"',
        PORT,
        {"port": 9000},
        {"SHOP_PORT": "9000"},
    ),
    Case(
        "prefix-upper-case-field",
        APP,
        'SECRET_KEY: str = ""',
        {"SECRET_KEY": "k" * 12},
        {"APP_SECRET_KEY": "k" * 12},
    ),
    # --- env_nested_delimiter ----------------------------------------------------------------
    Case(
        "nested-key",
        NESTED,
        "db: Db = Db()",
        {"db.host": "db.internal"},
        {"APP_DB__HOST": "db.internal"},
    ),
    Case(
        "nested-two-deep", NESTED, "db: Db = Db()", {"db.pool.size": 9}, {"APP_DB__POOL__SIZE": "9"}
    ),
    Case(
        "nested-upper-case-field",
        NESTED,
        "DB: Db = Db()",
        {"DB.port": 6543},
        {"APP_DB__PORT": "6543"},
    ),
    Case(
        "nested-own-delimiter",
        'env_prefix="APP_", env_nested_delimiter="___"',
        "db: Db = Db()",
        {"db.host": "db.internal"},
        {"APP_DB___HOST": "db.internal"},
    ),
    Case(
        "nested-list-as-json",
        NESTED,
        "db: Db = Db()",
        {"db.hosts": ["a", "b"]},
        {"APP_DB__HOSTS": '["a", "b"]'},
    ),
    Case(
        "nested-model-as-json",
        NESTED,
        "db: Db = Db()",
        {"db.host": "db.internal", "db.port": 5432, "db.pool.size": 7},
        {"APP_DB": '{"host": "db.internal", "pool": {"size": 7}}'},
    ),
    Case(
        "nested-json-and-a-key",
        NESTED,
        "db: Db = Db()",
        {"db.host": "db.internal", "db.port": 6543},
        {"APP_DB": '{"host": "db.internal"}', "APP_DB__PORT": "6543"},
    ),
    Case(
        "nested-without-delimiter",
        APP,
        "db: Db = Db()",
        {"db.host": "db.internal"},
        {"APP_DB__HOST": "db.internal"},
        differs="env_nested_delimiter defaults to __ here (SPEC 2: APP_DATABASE__HOST); "
        "pydantic-settings splits no name unless it is given",
        theirs={"db.host": "localhost"},
    ),
    # --- case_sensitive ----------------------------------------------------------------------
    Case(
        "case-insensitive-names",
        APP,
        PORT,
        {"port": 9000},
        {"App_Port": "9000"},
    ),
    Case(
        "case-sensitive-exact-name",
        f"{APP}, case_sensitive=True",
        PORT,
        {"port": 9000},
        {"APP_port": "9000"},
    ),
    Case(
        "case-sensitive-other-case",
        f"{APP}, case_sensitive=True",
        PORT,
        {"port": 8000},
        {"APP_PORT": "9000"},
    ),
    Case(
        "case-sensitive-upper-case-field",
        f"{EMPTY_PREFIX}, case_sensitive=True",
        'SECRET_KEY: str = ""\nsecret_key_id: str = ""',
        {"SECRET_KEY": "k" * 12, "secret_key_id": ""},
        {"SECRET_KEY": "k" * 12, "SECRET_KEY_ID": "7"},
    ),
    # --- env_file ----------------------------------------------------------------------------
    Case(
        "env-file-one",
        f'{APP}, env_file=".env"',
        PORT,
        {"port": 9000},
        files={".env": "APP_PORT=9000\n"},
    ),
    Case(
        "env-file-several-later-wins",
        f'{APP}, env_file=(".env", ".env.local")',
        f"{PORT}\n{NAME}",
        {"port": 9001, "name": "base"},
        files={".env": "APP_PORT=9000\nAPP_NAME=base\n", ".env.local": "APP_PORT=9001\n"},
    ),
    Case(
        "env-file-under-the-environment",
        f'{APP}, env_file=".env"',
        PORT,
        {"port": 9002},
        {"APP_PORT": "9002"},
        files={".env": "APP_PORT=9000\n"},
    ),
    Case(
        "env-file-missing",
        f'{APP}, env_file=".env.missing"',
        PORT,
        {"port": 8000},
    ),
    Case(
        "env-file-none",
        f"{APP}, env_file=None",
        PORT,
        {"port": 8000},
        files={".env": "APP_PORT=9000\n"},
    ),
    Case(
        "env-file-quotes-and-export",
        f'{EMPTY_PREFIX}, env_file=".env"',
        'PASSWORD: str = ""\nNAME: str = ""',
        {"PASSWORD": "p@ss #1", "NAME": "shop"},
        files={".env": "export PASSWORD='p@ss #1'\nNAME=shop # a comment\n"},
    ),
    Case(
        "env-file-nested-and-json",
        f'{NESTED}, env_file=".env"',
        f"db: Db = Db()\n{HOSTS}",
        {"db.host": "db.internal", "hosts": ["a", "b"]},
        files={".env": 'APP_DB__HOST=db.internal\nAPP_HOSTS=\'["a", "b"]\'\n'},
    ),
    Case(
        "env-file-by-default",
        APP,
        PORT,
        {"port": 9000},
        files={".env": "APP_PORT=9000\n"},
        differs="env_file defaults to .env beside settings.toml here (SPEC 12, Dynaconf's "
        "load_dotenv); pydantic-settings reads no file unless env_file names it",
        theirs={"port": 8000},
    ),
    # --- env_ignore_empty, and empty variables -----------------------------------------------
    Case("empty-text", APP, NAME, {"name": ""}, {"APP_NAME": ""}),
    Case(
        "empty-text-ignored",
        f"{APP}, env_ignore_empty=True",
        NAME,
        {"name": "default"},
        {"APP_NAME": ""},
    ),
    Case("empty-number", APP, PORT, FAILS, {"APP_PORT": ""}),
    Case(
        "empty-number-ignored",
        f"{APP}, env_ignore_empty=True",
        PORT,
        {"port": 8000},
        {"APP_PORT": ""},
    ),
    Case(
        "empty-optional-number",
        APP,
        "port: Optional[int] = 8000",
        FAILS,
        {"APP_PORT": ""},
    ),
    Case(
        "empty-list",
        APP,
        'hosts: list[str] = ["a"]',
        {"hosts": []},
        {"APP_HOSTS": ""},
        differs="as list-of-text-commas: empty text is a list of no items; pydantic-settings "
        "takes it as JSON and fails",
        theirs=FAILS,
    ),
    Case(
        "empty-list-ignored",
        f"{APP}, env_ignore_empty=True",
        'hosts: list[str] = ["a"]',
        {"hosts": ["a"]},
        {"APP_HOSTS": ""},
    ),
    Case(
        "empty-in-env-file-ignored",
        f'{APP}, env_ignore_empty=True, env_file=".env"',
        NAME,
        {"name": "default"},
        files={".env": "APP_NAME=\n"},
    ),
    # --- secrets_dir -------------------------------------------------------------------------
    Case(
        "secrets-dir",
        f'{APP}, secrets_dir="secrets"',
        'password: SecretStr = SecretStr("")',
        {"password": SecretStr("s3cret-password")},
        files={"secrets/APP_PASSWORD": "s3cret-password\n"},
    ),
    Case(
        "secrets-dir-empty-prefix-upper-case-field",
        f'{EMPTY_PREFIX}, secrets_dir="secrets"',
        'POSTGRES_PASSWORD: str = ""',
        {"POSTGRES_PASSWORD": "s3cret-password"},
        files={"secrets/POSTGRES_PASSWORD": "s3cret-password"},
    ),
    Case(
        "secrets-dir-file-in-lower-case",
        f'{APP}, secrets_dir="secrets"',
        'password: str = ""',
        {"password": "s3cret-password"},
        files={"secrets/app_password": "s3cret-password"},
    ),
    Case(
        "secrets-dir-under-the-environment",
        f'{APP}, secrets_dir="secrets"',
        'password: str = ""',
        {"password": "from-the-environment"},
        {"APP_PASSWORD": "from-the-environment"},
        files={"secrets/APP_PASSWORD": "s3cret-password"},
    ),
    Case(
        "secrets-dir-under-env-file",
        f'{APP}, secrets_dir="secrets", env_file=".env"',
        'password: str = ""',
        {"password": "from-env-file"},
        files={"secrets/APP_PASSWORD": "s3cret-password", ".env": "APP_PASSWORD=from-env-file\n"},
    ),
    Case(
        "secrets-dir-list-as-json",
        f'{APP}, secrets_dir="secrets"',
        HOSTS,
        {"hosts": ["a", "b"]},
        files={"secrets/APP_HOSTS": '["a", "b"]'},
    ),
    Case(
        "secrets-dir-other-files",
        f'{APP}, secrets_dir="secrets"',
        'password: str = ""',
        {"password": ""},
        files={"secrets/APP_OTHER": "x", "secrets/README": "x"},
    ),
    # --- extra -------------------------------------------------------------------------------
    Case(
        "extra-ignore-unknown-in-env-file",
        f'{APP}, env_file=".env", extra="ignore"',
        PORT,
        {"port": 9000},
        files={".env": "APP_PORT=9000\nAPP_PROT=1\n"},
    ),
    Case(
        "extra-forbid-unknown-variable",
        f'{APP}, extra="forbid"',
        PORT,
        {"port": 9000},
        {"APP_PORT": "9000", "APP_PROT": "1"},
    ),
    # --- validation_alias, AliasChoices ------------------------------------------------------
    Case(
        "alias",
        APP,
        'host: str = Field(default="localhost", validation_alias="REDIS_HOST")',
        {"host": "cache.internal"},
        {"REDIS_HOST": "cache.internal"},
    ),
    Case(
        "alias-in-lower-case",
        APP,
        'host: str = Field(default="localhost", validation_alias="redis_host")',
        {"host": "cache.internal"},
        {"REDIS_HOST": "cache.internal"},
    ),
    Case(
        "alias-choices-second",
        EMPTY_PREFIX,
        SMTP_HOST,
        {"SMTP_HOST": "mail.internal"},
        {"SMTP": "mail.internal"},
    ),
    Case(
        "alias-in-env-file",
        f'{APP}, env_file=".env"',
        'host: str = Field(default="localhost", validation_alias="REDIS_HOST")',
        {"host": "cache.internal"},
        files={".env": "REDIS_HOST=cache.internal\n"},
    ),
    Case(
        "alias-list-as-json",
        APP,
        'origins: list[str] = Field(default=[], validation_alias="CORS_ORIGINS")',
        {"origins": ["https://a.example"]},
        {"CORS_ORIGINS": '["https://a.example"]'},
    ),
    # --- validators, computed fields ---------------------------------------------------------
    Case(
        "field-validator-after",
        APP,
        """
        name: str = "default"

        @field_validator("name")
        @classmethod
        def _upper(cls, value: str) -> str:
            return value.upper()
        """,
        {"name": "SHOP"},
        {"APP_NAME": "shop"},
    ),
    Case(
        "field-validator-refuses",
        APP,
        """
        port: int = 8000

        @field_validator("port")
        @classmethod
        def _not_privileged(cls, value: int) -> int:
            if value < 1024:
                raise ValueError("a privileged port")
            return value
        """,
        FAILS,
        {"APP_PORT": "80"},
    ),
    Case(
        "before-validator-with-no-decode",
        APP,
        """
        hosts: Annotated[list[str], NoDecode] = []

        @field_validator("hosts", mode="before")
        @classmethod
        def _split(cls, value: Any) -> Any:
            return value.split(";") if isinstance(value, str) else value
        """,
        {"hosts": ["a", "b"]},
        {"APP_HOSTS": "a;b"},
    ),
    Case(
        "before-validator-annotated-with-no-decode",
        EMPTY_PREFIX,
        """
        BACKEND_CORS_ORIGINS: Annotated[
            list[AnyHttpUrl],
            NoDecode,
            BeforeValidator(lambda v: v.split(",") if isinstance(v, str) else v),
        ] = []
        """,
        {"BACKEND_CORS_ORIGINS": ["https://a.example/", "https://b.example/"]},
        {"BACKEND_CORS_ORIGINS": "https://a.example,https://b.example"},
    ),
    Case(
        "before-validator-without-no-decode",
        APP,
        """
        hosts: list[str] = []

        @field_validator("hosts", mode="before")
        @classmethod
        def _split(cls, value: Any) -> Any:
            return value.split(";") if isinstance(value, str) else value
        """,
        {"hosts": ["a", "b"]},
        {"APP_HOSTS": "a;b"},
        differs="a field with its own before-validator gets the variable's text as written, "
        "as if marked NoDecode; pydantic-settings decodes JSON first and fails",
        theirs=FAILS,
    ),
    Case(
        "model-validator-after-sets-a-field",
        EMPTY_PREFIX,
        """
        PROJECT_NAME: str = "demo"
        EMAILS_FROM_NAME: Optional[str] = None

        @model_validator(mode="after")
        def _default_from_name(self) -> "Model":
            if not self.EMAILS_FROM_NAME:
                self.EMAILS_FROM_NAME = self.PROJECT_NAME
            return self
        """,
        {"EMAILS_FROM_NAME": "shop"},
        {"PROJECT_NAME": "shop"},
    ),
    Case(
        "model-validator-refuses",
        EMPTY_PREFIX,
        """
        LOW: int = 1
        HIGH: int = 2

        @model_validator(mode="after")
        def _ordered(self) -> "Model":
            if self.LOW > self.HIGH:
                raise ValueError("LOW is above HIGH")
            return self
        """,
        FAILS,
        {"LOW": "5"},
    ),
    Case(
        "model-validator-before",
        EMPTY_PREFIX,
        """
        NAME: str = "default"

        @model_validator(mode="before")
        @classmethod
        def _strip(cls, data: Any) -> Any:
            if isinstance(data, dict) and isinstance(data.get("NAME"), str):
                data = {**data, "NAME": data["NAME"].strip("*")}
            return data
        """,
        {"NAME": "shop"},
        {"NAME": "**shop**"},
    ),
    Case(
        "computed-field",
        EMPTY_PREFIX,
        """
        POSTGRES_SERVER: str = "localhost"
        POSTGRES_PORT: int = 5432

        @computed_field  # type: ignore[prop-decorator]
        @property
        def DATABASE_URI(self) -> str:
            return f"postgresql://{self.POSTGRES_SERVER}:{self.POSTGRES_PORT}/app"
        """,
        {"DATABASE_URI": "postgresql://db.internal:6543/app"},
        {"POSTGRES_SERVER": "db.internal", "POSTGRES_PORT": "6543"},
    ),
    # --- lists, sets, tuples from JSON -------------------------------------------------------
    Case("list-of-text-json", APP, HOSTS, {"hosts": ["a", "b"]}, {"APP_HOSTS": '["a", "b"]'}),
    Case(
        "list-of-numbers-json",
        APP,
        "ports: list[int] = []",
        {"ports": [1, 2]},
        {"APP_PORTS": "[1, 2]"},
    ),
    Case(
        "list-of-booleans-json",
        APP,
        "flags: list[bool] = []",
        {"flags": [True, False]},
        {"APP_FLAGS": "[true, false]"},
    ),
    Case(
        "list-of-enums-json",
        APP,
        "colors: list[Color] = []",
        {"colors": ["red", "blue"]},
        {"APP_COLORS": '["red", "blue"]'},
    ),
    Case(
        "list-of-urls-json",
        APP,
        "origins: list[AnyHttpUrl] = []",
        {"origins": ["https://a.example/", "http://b.example:8080/x"]},
        {"APP_ORIGINS": '["https://a.example", "http://b.example:8080/x"]'},
    ),
    Case(
        "set-of-text-json",
        APP,
        "tags: set[str] = set()",
        {"tags": {"a", "b"}},
        {"APP_TAGS": '["a", "b", "a"]'},
    ),
    Case(
        "frozenset-of-enums-json",
        APP,
        "colors: frozenset[Color] = frozenset()",
        {"colors": {"red"}},
        {"APP_COLORS": '["red"]'},
    ),
    Case(
        "tuple-json",
        APP,
        "pair: tuple[int, str] = (0, '')",
        {"pair": (1, "a")},
        {"APP_PAIR": '[1, "a"]'},
    ),
    Case(
        "tuple-of-any-length-json",
        APP,
        "names: tuple[str, ...] = ()",
        {"names": ("a", "b")},
        {"APP_NAMES": '["a", "b"]'},
    ),
    Case(
        "optional-list-json",
        APP,
        "hosts: Optional[list[str]] = None",
        {"hosts": ["a"]},
        {"APP_HOSTS": '["a"]'},
    ),
    Case(
        "list-of-models-json",
        APP,
        "items: list[Item] = []",
        {"items": [{"k": 1, "name": "a"}, {"k": 2, "name": ""}]},
        {"APP_ITEMS": '[{"k": 1, "name": "a"}, {"k": 2}]'},
    ),
    Case("list-bad-json", APP, HOSTS, FAILS, {"APP_HOSTS": '["a", '}),
    # --- lists, sets, tuples from comma-separated text ---------------------------------------
    Case(
        "list-of-text-commas",
        APP,
        HOSTS,
        {"hosts": ["a", "b"]},
        {"APP_HOSTS": "a, b"},
        differs="SPEC 13: every list, tuple or set takes comma-separated text too; "
        "pydantic-settings takes JSON only (NoDecode and a validator do it there)",
        theirs=FAILS,
    ),
    Case(
        "list-of-numbers-commas",
        APP,
        "ports: list[int] = []",
        {"ports": [1, 2]},
        {"APP_PORTS": "1,2"},
        differs="as list-of-text-commas",
        theirs=FAILS,
    ),
    Case(
        "set-of-enums-commas",
        APP,
        "colors: set[Color] = set()",
        {"colors": {"red", "blue"}},
        {"APP_COLORS": "red,blue,"},
        differs="as list-of-text-commas",
        theirs=FAILS,
    ),
    Case(
        "tuple-of-urls-commas",
        APP,
        "origins: tuple[AnyHttpUrl, ...] = ()",
        {"origins": ("https://a.example/", "https://b.example/")},
        {"APP_ORIGINS": "https://a.example, https://b.example"},
        differs="as list-of-text-commas",
        theirs=FAILS,
    ),
    # --- dicts, nested models, text ----------------------------------------------------------
    Case(
        "dict-json",
        APP,
        "limits: dict[str, int] = {}",
        {"limits": {"a": 1, "B": 2}},
        {"APP_LIMITS": '{"a": 1, "B": 2}'},
    ),
    Case(
        "dict-of-models-json",
        APP,
        "items: dict[str, Item] = {}",
        {"items": {"x": {"k": 1, "name": ""}}},
        {"APP_ITEMS": '{"x": {"k": 1}}'},
    ),
    Case(
        "text-that-looks-like-json",
        APP,
        NAME,
        {"name": '["a"]'},
        {"APP_NAME": '["a"]'},
    ),
    Case("boolean", APP, "debug: bool = False", {"debug": True}, {"APP_DEBUG": "on"}),
    Case("enum", APP, "color: Color = Color.RED", {"color": "blue"}, {"APP_COLOR": "blue"}),
    Case("number-with-blanks", APP, PORT, {"port": 5433}, {"APP_PORT": " 5433 "}),
    Case(
        "boolean-with-blanks",
        APP,
        "debug: bool = False",
        {"debug": True},
        {"APP_DEBUG": " true "},
        differs="blanks around a value that cannot hold them (a number, a boolean, a choice) "
        "are ignored, one rule for every type; Pydantic refuses them around a boolean",
        theirs=FAILS,
    ),
    Case(
        "dict-keys-by-delimiter",
        NESTED,
        "limits: dict[str, int] = {}",
        {"limits": {"a": 1}},
        {"APP_LIMITS__A": "1"},
    ),
    Case(
        "env-file-names-in-any-case",
        f'{APP}, env_file=".env"',
        PORT,
        {"port": 9000},
        files={".env": "app_port=9000\n"},
    ),
    Case(
        "secrets-dir-alias",
        f'{APP}, secrets_dir="secrets"',
        'host: str = Field(default="localhost", validation_alias="REDIS_HOST")',
        {"host": "cache.internal"},
        files={"secrets/REDIS_HOST": "cache.internal"},
    ),
    Case(
        "secrets-dir-missing",
        f'{APP}, secrets_dir="not-mounted"',
        PORT,
        {"port": 8000},
    ),
    Case(
        "secrets-dir-blanks",
        f'{APP}, secrets_dir="secrets"',
        'password: str = ""',
        {"password": " s3cret "},
        files={"secrets/APP_PASSWORD": " s3cret \n"},
        differs="a secret file's content is the value byte for byte, one trailing newline "
        "stripped, as for X_FILE (SPEC 2); pydantic-settings strips all blanks around it",
        theirs={"password": "s3cret"},
    ),
    Case(
        "extra-forbid-other-variable-in-env-file-without-prefix",
        f'{EMPTY_PREFIX}, env_file=".env"',
        PORT,
        {"port": 9000},
        files={".env": "PORT=9000\nCOMPOSE_PROJECT_NAME=shop\n"},
        differs="without a prefix, a variable in .env that names no field is another "
        "program's (docker compose reads .env too); pydantic-settings with extra='forbid' "
        "refuses every such line",
        theirs=FAILS,
    ),
    Case(
        "nested-without-prefix",
        f'{EMPTY_PREFIX}, env_nested_delimiter="__"',
        "DB: Db = Db()",
        {"DB.host": "db.internal"},
        {"DB__HOST": "db.internal"},
    ),
    Case(
        "alias-keyword",
        APP,
        'host: str = Field(default="localhost", alias="REDIS_HOST")',
        {"host": "cache.internal"},
        {"REDIS_HOST": "cache.internal"},
    ),
    Case(
        "case-sensitive-env-file",
        f'{APP}, case_sensitive=True, env_file=".env", extra="ignore"',
        PORT,
        {"port": 8000},
        files={".env": "app_port=9000\n"},
    ),
    Case(
        "case-sensitive-secrets-dir",
        f'{APP}, case_sensitive=True, secrets_dir="secrets"',
        'password: str = ""\ntoken: str = ""',
        {"password": "", "token": "t0ken"},
        files={"secrets/app_password": "s3cret", "secrets/APP_token": "t0ken"},
    ),
    Case(
        "secret-in-env-file",
        f'{EMPTY_PREFIX}, env_file=".env"',
        'SECRET_KEY: SecretStr = SecretStr("")',
        {"SECRET_KEY": SecretStr("k" * 12)},
        files={".env": f"SECRET_KEY={'k' * 12}\n"},
    ),
    Case(
        "empty-optional-text-ignored",
        f"{APP}, env_ignore_empty=True",
        'name: Optional[str] = "default"',
        {"name": "default"},
        {"APP_NAME": ""},
    ),
    Case(
        "optional-nested-model",
        NESTED,
        "db: Optional[Db] = None",
        {"db.host": "db.internal"},
        {"APP_DB__HOST": "db.internal"},
    ),
    Case(
        "list-or-text-json",
        APP,
        "hosts: list[str] | str = []",
        {"hosts": ["a", "b"]},
        {"APP_HOSTS": '["a", "b"]'},
    ),
    Case(
        "list-or-text-commas",
        APP,
        "hosts: list[str] | str = []",
        {"hosts": "a,b"},
        {"APP_HOSTS": "a,b"},
    ),
    Case(
        "nested-secret",
        NESTED,
        "mail: Mail = Mail()",
        {"mail.password": SecretStr("s3cret-password")},
        {"APP_MAIL__PASSWORD": "s3cret-password"},
    ),
    # --- intended differences: what ours refuses ---------------------------------------------
    Case(
        "default-prefix",
        "",
        PORT,
        {"port": 8001},
        {"PORT": "9000", "APP_PORT": "8001"},
        differs="env_prefix defaults to APP_ here (SPEC 2); pydantic-settings' default is '' "
        '(write env_prefix="" to keep it)',
        theirs={"port": 9000},
    ),
    Case(
        "extra-forbid-unknown-in-env-file",
        f'{APP}, env_file=".env"',
        PORT,
        {"port": 9000},
        files={".env": "APP_PORT=9000\nAPP_PROT=1\n"},
        differs="an unknown APP_ variable, in .env too, is a warning (SPEC 2: the environment "
        "is shared); pydantic-settings with extra='forbid' refuses it in an env_file",
        theirs=FAILS,
    ),
    Case(
        "extra-allow",
        f'{APP}, env_file=".env", extra="allow"',
        PORT,
        FAILS,
        files={".env": "APP_PORT=9000\nAPP_OTHER=1\n"},
        differs="extra='allow' is refused: a setting is a field (use 'ignore'); "
        "pydantic-settings keeps the unknown .env variable as an attribute",
        theirs={"port": 9000, "other": "1"},
    ),
    Case(
        "secrets-dir-alias-and-own-name",
        f'{APP}, secrets_dir="secrets"',
        'host: str = Field(default="localhost", validation_alias="REDIS_HOST")',
        FAILS,
        files={"secrets/REDIS_HOST": "cache.internal", "secrets/APP_HOST": "other.internal"},
        differs="as alias-and-the-field-own-variable, the field's own name is read too, and "
        "two files that set one key to different values are an error (SPEC 2: no silent "
        "winner); pydantic-settings reads the alias's file only",
        theirs={"host": "cache.internal"},
    ),
    Case(
        "extra-forbid-other-variable-in-env-file",
        f'{APP}, env_file=".env"',
        PORT,
        {"port": 9000},
        files={".env": "APP_PORT=9000\nCOMPOSE_PROJECT_NAME=shop\n"},
        differs="as extra-forbid-other-variable-in-env-file-without-prefix: a variable outside "
        "the prefix is not a setting; pydantic-settings with extra='forbid' refuses it",
        theirs=FAILS,
    ),
    Case(
        "key-not-implemented",
        f'{APP}, json_file="settings.json"',
        PORT,
        FAILS,
        differs="a pydantic-settings key this framework does not implement is an error naming "
        "it, never silently dropped",
        theirs={"port": 8000},
    ),
    Case(
        "alias-choices-two-values",
        EMPTY_PREFIX,
        SMTP_HOST,
        FAILS,
        {"MAIL_HOST": "a.internal", "SMTP": "b.internal"},
        differs="SPEC 2: two variables that set one field to different values are an error "
        "naming both; pydantic-settings takes the first choice",
        theirs={"SMTP_HOST": "a.internal"},
    ),
    Case(
        "alias-and-the-field-own-variable",
        APP,
        'host: str = Field(default="localhost", validation_alias="REDIS_HOST")',
        {"host": "cache.internal"},
        {"APP_HOST": "cache.internal"},
        differs="a field with a validation_alias is still set by its key (APP_HOST, files, "
        "overrides); in pydantic-settings the alias replaces the field's variable",
        theirs={"host": "localhost"},
    ),
]


def _module(path: Path, name: str, source: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


def model_source(case: Case) -> str:
    body = textwrap.indent(textwrap.dedent(case.body).strip(), "    ")
    return (
        f"{HEADER}\n\nclass Model(BaseSettings):\n"
        f"    model_config = SettingsConfigDict({case.config})\n\n{body}\n"
    )


def ported(source: str) -> str:
    """The source after the one-import move of SPEC 13."""
    assert source.count(THEIR_IMPORT) == 1
    return source.replace(THEIR_IMPORT, OUR_IMPORT)


def load_with_pydantic_settings(
    source: str, case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any] | str:
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in case.environ.items():
        monkeypatch.setenv(name, value)
    module = _module(tmp_path / "theirs.py", f"theirs_{id(case)}", source, monkeypatch)
    try:
        with warnings.catch_warnings():  # a key it ignores, a missing secrets_dir
            warnings.simplefilter("ignore", UserWarning)
            loaded = module.Model()
    except ValueError:  # Pydantic's ValidationError, pydantic-settings' SettingsError
        return FAILS
    return _plain(loaded.model_dump())


def load_with_ours(
    source: str, case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any] | str:
    module = _module(tmp_path / "ours.py", f"ours_{id(case)}", source, monkeypatch)
    try:
        loaded = load_settings(root=tmp_path, environ=dict(case.environ), model=module.Model)
    except ImproperlyConfigured:
        return FAILS
    dumped = loaded.model_dump()
    del dumped["environment"], dumped["silenced_checks"]
    return _plain(dumped)


def _plain(value: Any) -> Any:
    """Values of either side's classes comparable: an enum as its value, a URL as text."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, AnyUrl):
        return str(value)
    if isinstance(value, BaseModel):
        return _plain(value.model_dump())
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, set | frozenset):
        return {_plain(item) for item in value}
    return value


def _at(dumped: dict[str, Any] | str, key: str) -> Any:
    node: Any = dumped
    for part in key.split("."):
        node = node[part]
    return node


def _pinned(dumped: dict[str, Any] | str, expect: Mapping[str, Any] | str) -> Any:
    if isinstance(expect, str) or isinstance(dumped, str):
        return dumped
    return {key: _at(dumped, key) for key in expect}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_same_model_gives_what_pydantic_settings_gives(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "settings.toml").write_text(SETTINGS_TOML, encoding="utf-8")
    for name, text in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # pydantic-settings reads env_file and secrets_dir from here
    source = model_source(case)

    ours = load_with_ours(ported(source), case, tmp_path, monkeypatch)
    theirs = load_with_pydantic_settings(source, case, tmp_path, monkeypatch)

    assert _pinned(ours, case.expect) == case.expect
    if case.differs is None:
        assert ours == theirs
    else:
        assert case.theirs is not None
        assert _pinned(theirs, case.theirs) == case.theirs
        assert ours != theirs


def test_every_intended_difference_is_documented_with_its_reason() -> None:
    page = Path(__file__).parents[2] / "docs" / "how-to" / "from-pydantic-settings.md"
    section = page.read_text(encoding="utf-8").partition("## Differences from pydantic-settings")

    undocumented = [case.id for case in CASES if case.differs and f"`{case.id}`" not in section[2]]

    assert section[1] and undocumented == []


def test_every_pydantic_settings_key_is_read_or_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each key of the installed pydantic-settings' SettingsConfigDict means what it means
    there, or is refused as a pydantic-settings key this framework does not implement: never
    taken for a misspelling, never silently dropped."""
    from pydantic import ConfigDict
    from pydantic_settings import SettingsConfigDict as TheirConfig

    from settings import SettingsConfigDict as OurConfig

    (tmp_path / "settings.toml").write_text(SETTINGS_TOML, encoding="utf-8")
    keys = sorted(set(TheirConfig.__annotations__) - set(ConfigDict.__annotations__))
    unexplained = []
    for key in keys:
        if key in OurConfig.__annotations__:
            continue
        source = f"{HEADER}\n\nclass Model(BaseSettings):\n    model_config = {{{key!r}: None}}\n"
        module = _module(tmp_path / "ours.py", f"ours_key_{key}", ported(source), monkeypatch)
        try:
            load_settings(root=tmp_path, environ={}, model=module.Model)
        except ImproperlyConfigured as exc:
            if f"{key!r} is a pydantic-settings key this framework does not implement" in str(exc):
                continue
        unexplained.append(key)

    assert unexplained == []
