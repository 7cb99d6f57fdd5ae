"""Dynaconf compatibility, proven: the same files loaded by real Dynaconf and by ours.

Each case writes its files to a fresh directory and loads them twice: with
``Dynaconf(settings_files=[settings.toml, .secrets.toml], environments=True, env=...,
envvar_prefix="APP")`` (which also finds ``settings.local.toml``, as ours does; its merge
settings left at their defaults), and with :func:`settings.build.build`, the load before
validation (Dynaconf has no schema: ours then validates the values it gives, which is not
compared here). The keys a case names are compared: a case without ``differs`` must give the same
value in both, and that value is ``expect``; a case with ``differs`` is an intended difference,
its reason written beside it and in docs/explanation/dynaconf-compat.md, and both results are pinned
(``expect`` ours, ``dynaconf`` Dynaconf's), so a change on either side shows here.

The cases with a ``model`` (:class:`Fidelity`, every field with a default) are also compared
after validation: the load must succeed, and each key's validated value (a section dumped to a
dict) must be ``expect`` too, so that what the application reads is what Dynaconf gives.
"""

from __future__ import annotations

import os
import textwrap
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field

from settings._load import build
from settings.merge import unflatten
from settings.schema import BaseSettings, Section

ABSENT = "<absent>"  # the key is not set: Dynaconf has no such key, ours falls to the schema
FAILS = "<fails>"  # Dynaconf raises; ours reports a problem about the key


@dataclass(frozen=True)
class Case:
    id: str
    files: Mapping[str, str]  # file name -> TOML
    expect: Mapping[str, Any]  # dotted key -> value (ours; Dynaconf's too unless ``differs``)
    env: str = "development"
    environ: Mapping[str, str] = field(default_factory=dict)
    differs: str | None = None  # why ours differs, on purpose
    dynaconf: Mapping[str, Any] | None = None  # Dynaconf's values, where ours differs
    model: type[BaseSettings] | None = None  # given: compared after validation too


class Item(Section):
    k: int = 0
    name: str = ""
    on: bool = False


class Table(Section):
    host: str = ""
    port: int = 0


class Fidelity(BaseSettings):
    """A model whose every field has a default, so that each case's load validates."""

    a: str = "schema"
    b: str = "schema"
    port: int = 0
    hosts: list[str] = Field(default=[])
    entries: list[Item] = Field(default=[])  # not `items`: Dynaconf's settings.items is a method
    things: dict[str, Item] = Field(default={})
    table: Table = Table()


def toml(default: str = "", development: str = "", production: str = "", top: str = "") -> str:
    return f"{top}\n[default]\n{default}\n[development]\n{development}\n[production]\n{production}"


HOSTS = 'allowed_hosts = ["a.example", "b.example"]'
DB = '[default.database]\nhost = "db.internal"\nport = 5432'

CASES = [
    # --- @del, @empty ------------------------------------------------------------------------
    Case(
        "del-a-value",
        {"settings.toml": toml('log_level = "debug"', 'log_level = "@del"')},
        {"log_level": ABSENT},
    ),
    Case(
        "del-a-table",
        {"settings.toml": toml("log_level = 'x'\n" + DB, 'database = "@del"')},
        {"database.host": ABSENT, "log_level": "x"},
    ),
    Case(
        "del-in-a-later-file",
        {
            "settings.toml": toml('log_level = "debug"'),
            ".secrets.toml": '[default]\nlog_level = "@del"\n',
        },
        {"log_level": ABSENT},
    ),
    Case(
        "empty",
        {"settings.toml": toml('log_level = "debug"', 'log_level = "@empty"')},
        {"log_level": ABSENT},
    ),
    Case(
        "none",
        {"settings.toml": toml('log_level = "debug"', 'log_level = "@none"')},
        {"log_level": None},
    ),
    Case(
        "reset-a-table",
        {"settings.toml": toml(DB, 'database = "@reset {port = 7000}"')},
        {"database.host": ABSENT, "database.port": 7000},
    ),
    Case(
        "reset-a-list",
        {"settings.toml": toml(HOSTS, "allowed_hosts = '@reset [\"c\"]'")},
        {"allowed_hosts": ["c"]},
    ),
    Case(
        "table-mark-false-at-environment",
        {"settings.toml": toml(DB, "dynaconf_merge = false\n[development.database]\nport = 7000")},
        {"database.host": ABSENT, "database.port": 7000},
    ),
    # --- @merge, @merge_unique, @insert on a list a file sets --------------------------------
    Case(
        "merge-array",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@merge [\\"c\\"]"')},
        {"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    Case(
        "merge-comma-text",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@merge c,d"')},
        {"allowed_hosts": ["a.example", "b.example", "c", "d"]},
    ),
    Case(
        "merge-one-item",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@merge c"')},
        {"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    Case(
        "merge-unique",
        {
            "settings.toml": toml(
                HOSTS, 'allowed_hosts = "@merge_unique [\\"c\\", \\"a.example\\"]"'
            )
        },
        {"allowed_hosts": ["b.example", "c", "a.example"]},
    ),
    Case(
        "merge-across-files",
        {
            "settings.toml": toml(HOSTS),
            ".secrets.toml": '[default]\nallowed_hosts = "@merge c"\n',
            "settings.local.toml": '[development]\nallowed_hosts = "@merge d"\n',
        },
        {"allowed_hosts": ["a.example", "b.example", "c", "d"]},
    ),
    Case(
        "merge-a-table",
        {"settings.toml": toml(DB, "database = \"@merge {port = 7000, username = 'app'}\"")},
        {"database.host": "db.internal", "database.port": 7000, "database.username": "app"},
    ),
    Case(
        "merge-keeps-tokens-as-text",
        {
            "settings.toml": toml(
                HOSTS + '\nlog_level = "x"',
                'allowed_hosts = "@merge [\\"@format {this.log_level}\\"]"',
            )
        },
        {"allowed_hosts": ["a.example", "b.example", "@format {this.log_level}"]},
    ),
    Case(
        "merge-table-keeps-tokens-as-text",
        {
            "settings.toml": toml(
                DB, "database = \"@merge {username = '@format {this.log_level}'}\""
            )
        },
        {"database.username": "@format {this.log_level}", "database.host": "db.internal"},
    ),
    Case(
        "list-mark-merge",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = ["c", "dynaconf_merge"]')},
        {"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    Case(
        "list-mark-merge-unique",
        {
            "settings.toml": toml(
                HOSTS, 'allowed_hosts = ["a.example", "c", "dynaconf_merge_unique"]'
            )
        },
        {"allowed_hosts": ["b.example", "a.example", "c"]},
    ),
    Case(
        "list-mark-items-are-evaluated",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = ["@format {env[HOST]}", "dynaconf_merge"]')},
        {"allowed_hosts": ["a.example", "b.example", "c.example"]},
        environ={"HOST": "c.example"},
    ),
    Case(
        "insert-at-0",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@insert 0 c"')},
        {"allowed_hosts": ["c", "a.example", "b.example"]},
    ),
    Case(
        "insert-at-1",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@insert 1 c"')},
        {"allowed_hosts": ["a.example", "c", "b.example"]},
    ),
    Case(
        "insert-at-minus-1",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@insert -1 c"')},
        {"allowed_hosts": ["a.example", "c", "b.example"]},
    ),
    Case(
        "insert-without-index",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@insert c"')},
        {"allowed_hosts": ["c", "a.example", "b.example"]},
    ),
    Case(
        "insert-an-evaluated-item",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@insert 0 @format {env[HOST]}"')},
        {"allowed_hosts": ["c.example", "a.example", "b.example"]},
        environ={"HOST": "c.example"},
    ),
    # --- dynaconf_merge in tables ------------------------------------------------------------
    Case(
        "table-mark-merge",
        {"settings.toml": toml(DB, "[development.database]\ndynaconf_merge = true\nport = 7000")},
        {"database.host": "db.internal", "database.port": 7000},
    ),
    Case(
        "table-mark-merge-extends-lists",
        {
            "settings.toml": toml(
                '[default.cors]\norigins = ["https://a.example"]',
                '[development.cors]\ndynaconf_merge = true\norigins = ["https://b.example"]',
            )
        },
        {"cors.origins": ["https://a.example", "https://b.example"]},
    ),
    Case(
        "table-mark-short-form",
        {"settings.toml": toml(DB, "[development.database]\ndynaconf_merge = {port = 7000}")},
        {"database.host": "db.internal", "database.port": 7000},
    ),
    Case(
        "list-short-form",
        {"settings.toml": toml(HOSTS, '[development.allowed_hosts]\ndynaconf_merge = ["c"]')},
        {"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    Case(
        "environment-mark-merge",
        {"settings.toml": toml(HOSTS, 'dynaconf_merge = true\nallowed_hosts = ["c"]')},
        {"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    Case(
        "file-mark-merge",
        {
            "settings.toml": toml(HOSTS),
            ".secrets.toml": 'dynaconf_merge = true\n[development]\nallowed_hosts = ["c"]\n',
        },
        {"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    Case(
        "table-mark-false-replaces",
        {"settings.toml": toml(DB, "[development.database]\ndynaconf_merge = false\nport = 7000")},
        {"database.host": ABSENT, "database.port": 7000},
    ),
    # --- @format, @jinja, this ---------------------------------------------------------------
    Case(
        "format-env",
        {"settings.toml": toml('log_level = "@format {env[LEVEL]}"')},
        {"log_level": "warning"},
        environ={"LEVEL": "warning"},
    ),
    Case(
        "format-this",
        {"settings.toml": toml('secret_key = "k"\nlog_level = "@format {this.secret_key}-x"')},
        {"log_level": "k-x"},
    ),
    Case(
        "format-this-nested",
        {"settings.toml": toml('log_level = "@format {this.database.host}"\n' + DB)},
        {"log_level": "db.internal"},
    ),
    Case(
        "format-this-list-index",
        {"settings.toml": toml(HOSTS + '\nlog_level = "@format {this.allowed_hosts[1]}"')},
        {"log_level": "b.example"},
    ),
    Case(
        "format-this-current-env",
        {"settings.toml": toml('log_level = "@format app_{this.current_env}"')},
        {"log_level": "app_development"},
    ),
    Case(
        "format-this-sees-a-later-layer",
        {
            "settings.toml": toml(
                'log_level = "@format {this.secret_key}"', 'secret_key = "from-dev"'
            )
        },
        {"log_level": "from-dev"},
    ),
    Case(
        "format-this-of-a-token",
        {
            "settings.toml": toml(
                'secret_key = "@format {env[KEY]}"\nlog_level = "@format {this.secret_key}!"'
            )
        },
        {"log_level": "k1!"},
        environ={"KEY": "k1"},
    ),
    Case(
        "format-this-sees-a-variable",
        {"settings.toml": toml('log_level = "@format {this.secret_key}!"')},
        {"log_level": "from-env!"},
        environ={"APP_SECRET_KEY": "from-env"},
    ),
    Case(
        "format-this-missing-key",
        {"settings.toml": toml('log_level = "@format {this.nope}"')},
        {"log_level": FAILS},
    ),
    Case(
        "format-env-missing",
        {"settings.toml": toml('log_level = "@format {env[NOPE_X]}"')},
        {"log_level": FAILS},
    ),
    Case(
        "format-in-a-list-item",
        {"settings.toml": toml('allowed_hosts = ["@format {env[HOST]}", "b.example"]')},
        {"allowed_hosts": ["c.example", "b.example"]},
        environ={"HOST": "c.example"},
    ),
    Case(
        "jinja-this",
        {
            "settings.toml": toml(
                HOSTS + "\nlog_level = \"@jinja {{ this.allowed_hosts | join(',') }}\""
            )
        },
        {"log_level": "a.example,b.example"},
    ),
    Case(
        "jinja-env",
        {"settings.toml": toml('log_level = "@jinja {{ env.LEVEL | upper }}"')},
        {"log_level": "WARNING"},
        environ={"LEVEL": "warning"},
    ),
    Case(
        "jinja-current-env",
        {"settings.toml": toml('log_level = "@jinja {{ this.current_env }}"')},
        {"log_level": "development"},
    ),
    Case(
        "jinja-list-index",
        {"settings.toml": toml(HOSTS + '\nlog_level = "@jinja {{ this.allowed_hosts[0] }}"')},
        {"log_level": "a.example"},
    ),
    # --- converters, @get, @read_file --------------------------------------------------------
    Case(
        "int", {"settings.toml": toml(DB.replace("5432", '"@int 7000"'))}, {"database.port": 7000}
    ),
    Case(
        "float",
        {"settings.toml": toml('[default.database]\nconnect_timeout = "@float 2.5"')},
        {"database.connect_timeout": 2.5},
    ),
    Case("bool", {"settings.toml": toml('debug = "@bool true"')}, {"debug": True}),
    Case("str", {"settings.toml": toml('log_level = "@str 12"')}, {"log_level": "12"}),
    Case(
        "json-list",
        {"settings.toml": toml('allowed_hosts = \'@json ["a.example", "b.example"]\'')},
        {"allowed_hosts": ["a.example", "b.example"]},
    ),
    Case(
        "json-table",
        {"settings.toml": toml('[default.database]\noptions = \'@json {"ssl": "require"}\'')},
        {"database.options": {"ssl": "require"}},
    ),
    Case(
        "get",
        {"settings.toml": toml('secret_key = "k"\nlog_level = "@get secret_key"')},
        {"log_level": "k"},
    ),
    Case(
        "get-with-default",
        {"settings.toml": toml('log_level = "@get nope fallback"')},
        {"log_level": "fallback"},
    ),
    Case(
        "get-with-cast",
        {
            "settings.toml": toml(
                'secret_key = "42"\n[default.database]\nport = "@get secret_key @int"'
            )
        },
        {"database.port": 42},
    ),
    Case(
        "int-of-a-merge-later",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@merge @json [\\"c\\"]"')},
        {"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    # --- layers and files --------------------------------------------------------------------
    Case(
        "keys-are-case-insensitive",
        {"settings.toml": toml('LOG_LEVEL = "debug"')},
        {"log_level": "debug"},
    ),
    Case(
        "global-table-wins",
        {
            "settings.toml": toml('log_level = "debug"', 'log_level = "info"')
            + '\n[global]\nlog_level = "error"'
        },
        {"log_level": "error"},
    ),
    Case(
        "secrets-then-local",
        {
            "settings.toml": toml('log_level = "a"'),
            ".secrets.toml": '[default]\nlog_level = "b"\nsecret_key = "s"\n',
            "settings.local.toml": '[default]\nlog_level = "c"\n',
        },
        {"log_level": "c", "secret_key": "s"},
    ),
    Case(
        "lists-replace",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = ["c"]')},
        {"allowed_hosts": ["c"]},
    ),
    Case(
        "production-table",
        {"settings.toml": toml('log_level = "debug"', production='log_level = "error"')},
        {"log_level": "error"},
        env="production",
    ),
    # --- only what wins is evaluated (issue 16, 27) --------------------------------------------
    Case(
        "overridden-token-by-the-environment-table",
        {"settings.toml": toml('a = "@format {env[NOPE_X]}"', 'a = "plain"')},
        {"a": "plain"},
        model=Fidelity,
    ),
    Case(
        "overridden-token-by-secrets",
        {
            "settings.toml": toml('a = "@format {env[NOPE_X]}"'),
            ".secrets.toml": '[default]\na = "plain"\n',
        },
        {"a": "plain"},
        model=Fidelity,
    ),
    Case(
        "overridden-token-by-a-variable",
        {"settings.toml": toml('a = "@format {env[NOPE_X]}"')},
        {"a": "plain"},
        environ={"APP_A": "plain"},
        model=Fidelity,
    ),
    Case(
        "overridden-read-file",
        {"settings.toml": toml('a = "@read_file /nonexistent/h16/x"', 'a = "plain"')},
        {"a": "plain"},
        model=Fidelity,
    ),
    Case(
        "overridden-token-read-through-this",
        {"settings.toml": toml('a = "@format {env[NOPE_X]}"\nb = "@format {this.a}!"', 'a = "p"')},
        {"a": "p", "b": "p!"},
        model=Fidelity,
    ),
    Case(
        "overridden-token-in-a-replaced-table",
        {
            "settings.toml": toml(
                '[default.table]\nhost = "@format {env[NOPE_X]}"\nport = 1',
                'table = "@reset {port = 2}"',
            )
        },
        {"table.host": ABSENT, "table.port": 2},
        model=Fidelity,
    ),
    # --- tokens in tables in lists (issue 16, 28) ----------------------------------------------
    Case(
        "tokens-in-a-table-in-a-list",
        {
            "settings.toml": toml(
                '[[default.entries]]\nk = "@int 1"\non = "@bool true"\n'
                'name = "@format {env[HOST]}"\n'
                '[[default.entries]]\nk = 2\non = false\nname = "@jinja {{ env.HOST | upper }}"'
            )
        },
        {
            "entries": [
                {"k": 1, "on": True, "name": "c.example"},
                {"k": 2, "on": False, "name": "C.EXAMPLE"},
            ]
        },
        environ={"HOST": "c.example"},
        model=Fidelity,
    ),
    Case(
        "table-of-tables",
        {"settings.toml": toml('[default.things.x]\nk = "@int 3"\nname = "x"\non = true')},
        {"things": {"x": {"k": 3, "name": "x", "on": True}}},
        model=Fidelity,
    ),
    # --- a whole table read through this (issue 16, 29) ----------------------------------------
    Case(
        "format-a-whole-table",
        {
            "settings.toml": toml(
                'a = "@format {this.table}"\n[default.table]\nhost = "h"\nport = 1'
            )
        },
        {"a": "{'host': 'h', 'port': 1}"},
        model=Fidelity,
    ),
    Case(
        "jinja-a-table-as-json",
        {
            "settings.toml": toml(
                'a = "@jinja {{ this.table | tojson }}"\n[default.table]\nhost = "h"\nport = 1'
            )
        },
        {"a": '{"host": "h", "port": 1}'},
        model=Fidelity,
    ),
    Case(
        "jinja-items-and-length-of-a-table",
        {
            "settings.toml": toml(
                'a = "@jinja {% for k, v in this.table.items() %}{{ k }}={{ v }};{% endfor %}'
                '{{ this.table | length }}"\n[default.table]\nhost = "h"\nport = 1'
            )
        },
        {"a": "host=h;port=1;2"},
        model=Fidelity,
    ),
    # --- smaller differences (issue 16, 30) ------------------------------------------------------
    Case(
        "get-casts-its-default",
        {"settings.toml": toml('port = "@get nope @int 5"\nhosts = "@get nope @json [\\"h\\"]"')},
        {"port": 5, "hosts": ["h"]},
        model=Fidelity,
    ),
    Case(
        "merge-onto-a-value-replaces-it",
        {"settings.toml": toml('hosts = "x"', 'hosts = "@merge c"')},
        {"hosts": ["c"]},
        model=Fidelity,
    ),
    Case(
        "insert-onto-a-value-replaces-it",
        {"settings.toml": toml("port = 5\nhosts = 7", 'hosts = "@insert 0 c"')},
        {"hosts": ["c"], "port": 5},
        model=Fidelity,
    ),
    Case(
        "unknown-environment-table-in-secrets",
        {
            "settings.toml": toml('a = "x"'),
            ".secrets.toml": '[qa]\na = "qa"\n[default]\nb = "y"\n',
        },
        {"a": "x", "b": "y"},
        model=Fidelity,
    ),
    # --- intended differences ----------------------------------------------------------------
    Case(
        "tables-merge-key-by-key",
        {"settings.toml": toml(DB, "[development.database]\nport = 7000")},
        {"database.host": "db.internal", "database.port": 7000},
        differs="SPEC 2: tables merge key by key across layers; Dynaconf's default replaces "
        "a top-level table of [default] with the environment's (merge_enabled=False)",
        dynaconf={"database.host": ABSENT, "database.port": 7000},
    ),
    Case(
        "insert-into-a-list-no-file-sets",
        {"settings.toml": toml("", 'allowed_hosts = "@insert 0 c"')},
        {"allowed_hosts": ["c", "localhost", "127.0.0.1"]},
        differs="the schema's default is the lowest layer (SPEC 2): @insert, @merge and the "
        "dynaconf_merge marks extend the list below, which is the default where no file sets "
        "one; Dynaconf has no schema and starts from []",
        dynaconf={"allowed_hosts": ["c"]},
    ),
    Case(
        "merge-into-a-list-no-file-sets",
        {"settings.toml": toml("", 'allowed_hosts = "@merge c"')},
        {"allowed_hosts": ["localhost", "127.0.0.1", "c"]},
        differs="as insert-into-a-list-no-file-sets: the list below is the schema's default",
        dynaconf={"allowed_hosts": ["c"]},
    ),
    Case(
        "file-mark-merge-over-the-schema-default",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = ["c"]', top="dynaconf_merge = true")},
        {"allowed_hosts": ["localhost", "127.0.0.1", "a.example", "b.example", "c"]},
        differs="as insert-into-a-list-no-file-sets: with dynaconf_merge = true at the top of "
        "settings.toml, [default]'s lists extend the schema's defaults",
        dynaconf={"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    Case(
        "reset-under-a-file-mark",
        {
            "settings.toml": toml(HOSTS),
            ".secrets.toml": (
                "dynaconf_merge = true\n[development]\nallowed_hosts = '@reset [\"c\"]'"
            ),
        },
        {"allowed_hosts": ["c"]},
        differs="@reset replaces, as its name says; Dynaconf deprecated it in 3.0 and, under "
        "dynaconf_merge = true at the top of the file, merges the list anyway",
        dynaconf={"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    Case(
        "insert-index-out-of-range",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@insert 5 c"')},
        {"allowed_hosts": FAILS},
        differs="an index outside the list is an error naming the key; Dynaconf, through "
        "list.insert, puts the item at the end",
        dynaconf={"allowed_hosts": ["a.example", "b.example", "c"]},
    ),
    Case(
        "merge-of-a-text",
        {"settings.toml": toml(HOSTS, 'allowed_hosts = "@merge @format {env[HOST]}"')},
        {"allowed_hosts": FAILS},
        environ={"HOST": "c.example"},
        differs="@merge needs a list or a table; Dynaconf replaces the list with the text, "
        "silently: ours reports it",
        dynaconf={"allowed_hosts": "c.example"},
    ),
    Case(
        "table-key-merge-unique",
        {
            "settings.toml": toml(
                '[default.cors]\norigins = ["https://a.example"]',
                "[development.cors]\ndynaconf_merge_unique = true\n"
                'origins = ["https://a.example", "https://b.example"]',
            )
        },
        {
            "cors.dynaconf_merge_unique": FAILS,
            "cors.origins": ["https://a.example", "https://b.example"],
        },
        differs="dynaconf_merge_unique as a table key is not documented by Dynaconf, which "
        "merges like dynaconf_merge (repeats kept); ours refuses it and says what to write",
        dynaconf={
            "cors.dynaconf_merge_unique": ABSENT,
            "cors.origins": ["https://a.example", "https://a.example", "https://b.example"],
        },
    ),
    Case(
        "environment-key-merge-unique",
        {"settings.toml": toml(HOSTS, 'dynaconf_merge_unique = true\nallowed_hosts = ["c"]')},
        {"dynaconf_merge_unique": FAILS},
        differs="in an environment table Dynaconf reads dynaconf_merge_unique as a setting "
        "(lists still replace); ours refuses it, as it refuses every unknown key (SPEC 2)",
        dynaconf={"dynaconf_merge_unique": True},
    ),
    Case(
        "unknown-key",
        {"settings.toml": toml('databse = "x"')},
        {"databse": FAILS},
        differs="SPEC 2: a key the schema does not know is an error naming it; Dynaconf "
        "keeps any key",
        dynaconf={"databse": "x"},
    ),
    Case(
        "variables-are-literal",
        {"settings.toml": toml()},
        {"log_level": "@format {env[X]}"},
        environ={"APP_LOG_LEVEL": "@format {env[X]}", "X": "y"},
        differs="SPEC 2: values from environment variables are literal text; Dynaconf "
        "evaluates tokens in APP_ variables",
        dynaconf={"log_level": "y"},
    ),
    Case(
        "current-env-is-lower-case",
        {"settings.toml": toml(production='log_level = "@format {this.current_env}"')},
        {"log_level": "production"},
        env="PRODUCTION",
        differs="SPEC 2: environment names are case-insensitive and the selected one is lower "
        "case; Dynaconf's current_env keeps the spelling it was given",
        dynaconf={"log_level": "PRODUCTION"},
    ),
]


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing of the process environment Dynaconf would read: its own and APP_ variables."""
    for name in list(os.environ):
        if name.startswith(("APP_", "DYNACONF_")) or name.endswith("_FOR_DYNACONF"):
            monkeypatch.delenv(name)


def load_with_dynaconf(root: Path, case: Case, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from dynaconf import Dynaconf

    for name, value in case.environ.items():
        monkeypatch.setenv(name, value)
    files = [str(root / name) for name in ("settings.toml", ".secrets.toml")]
    values: dict[str, Any] = {}
    with warnings.catch_warnings():  # Dynaconf's deprecation warnings (@reset, to_dict ...)
        warnings.simplefilter("ignore")
        loaded = Dynaconf(
            settings_files=files, environments=True, env=case.env, envvar_prefix="APP"
        )
        for key in case.expect:
            try:
                values[key] = _plain(loaded.get(key, default=ABSENT))
            except Exception:  # Dynaconf raises many types; all mean the key does not load
                values[key] = FAILS
    return values


def load_with_ours(root: Path, case: Case) -> dict[str, Any]:
    built = build(case.env, root, dict(case.environ), case.model)
    # validation aside: not Dynaconf's; a warning (a table never loaded) fails nothing
    failed = {problem.key for problem in built.loaded.errors if problem.is_error}
    tables = unflatten(built.values)
    return {
        key: FAILS
        if any(f == key or f.startswith(f"{key}.") for f in failed)
        else built.values.get(key, _table_at(tables, key))
        for key in case.expect
    }


def _table_at(tables: dict[str, Any], key: str) -> Any:
    """The table at dotted ``key`` of the merged values, ABSENT where there is none."""
    node: Any = tables
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return ABSENT
        node = node[part]
    return node if isinstance(node, dict) else ABSENT


def validated_by_ours(root: Path, case: Case) -> dict[str, Any]:
    """Each key's value in the validated settings: what the application reads."""
    built = build(case.env, root, dict(case.environ), case.model)
    assert [str(p) for p in built.problems if p.is_error] == []
    assert built.settings is not None
    return {key: _dumped(built.settings, key) for key in case.expect}


def _dumped(settings: BaseModel, key: str) -> Any:
    node: Any = settings
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return _dump(node)


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dump(item) for item in value]
    return value


def _plain(value: Any) -> Any:
    """Dynaconf's boxes as plain values, keys lower case; its ``empty`` (no value) as ABSENT."""
    from dynaconf.utils.functional import empty

    if value is empty:
        return ABSENT
    # Items read by index: a box's .items() and a list's iteration skip Dynaconf's evaluation
    # of @format and @jinja, its own reads (settings.key[0].name) do not.
    if isinstance(value, dict):
        return {str(k).lower(): _plain(value[k]) for k in value}
    if isinstance(value, list):
        return [_plain(value[index]) for index in range(len(value))]
    return value


@pytest.mark.usefixtures("clean_environ")
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_same_files_give_what_dynaconf_gives(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in case.files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")

    ours = load_with_ours(tmp_path, case)
    theirs = load_with_dynaconf(tmp_path, case, monkeypatch)

    assert ours == dict(case.expect)
    if case.model is not None:
        concrete = {k: v for k, v in case.expect.items() if v not in (ABSENT, FAILS)}
        validated = validated_by_ours(tmp_path, case)
        assert {k: validated[k] for k in concrete} == concrete
    if case.differs is None:
        assert theirs == ours
    else:
        assert theirs == dict(case.dynaconf or {})
        assert theirs != ours


def test_every_intended_difference_is_documented_with_its_reason() -> None:
    page = Path(__file__).parents[2] / "docs" / "explanation" / "dynaconf-compat.md"
    docs = page.read_text(encoding="utf-8")

    undocumented = [case.id for case in CASES if case.differs and f"`{case.id}`" not in docs]

    assert undocumented == []


@pytest.mark.usefixtures("clean_environ")
def test_read_file_reads_the_injected_environ_never_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Purity: a variable present only in the process environment changes nothing."""
    (tmp_path / "from-environ.txt").write_text("injected", encoding="utf-8")
    (tmp_path / "from-os.txt").write_text("leaked", encoding="utf-8")
    monkeypatch.setenv("H12_NAME", "from-os")
    path = f"{tmp_path}/{{env[H12_NAME]}}.txt"
    (tmp_path / "settings.toml").write_text(
        toml(f'log_level = "@read_file @format {path}"'), encoding="utf-8"
    )

    given = build(None, tmp_path, {"H12_NAME": "from-environ"})
    missing = build(None, tmp_path, {})

    assert given.values["log_level"] == "injected"
    assert [(p.key, p.message) for p in missing.problems if p.key == "log_level"] == [
        (
            "log_level",
            "cannot evaluate @read_file: Dynaconf can't interpolate variable because 'H12_NAME'",
        )
    ]
