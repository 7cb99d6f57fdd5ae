"""settings/loader: the files, the environment selection, unknown keys. Tokens: test_tokens.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import ImproperlyConfigured, load_settings
from settings._load import _Related, build
from tests.support.deadline import failing_after

# --- settings.toml is required -----------------------------------------------------------


def test_a_missing_settings_toml_is_an_error_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings(root=tmp_path, environ={})

    assert str(tmp_path.resolve() / "settings.toml") in str(info.value)


def test_the_optional_files_may_be_missing(project) -> None:
    settings = project.load()

    assert settings.sources.files == ("settings.toml",)


def test_the_files_that_contributed_are_recorded(project) -> None:
    project.write(".secrets.toml", '[default]\nsecret_key = "from-secrets"\n')
    project.write("settings.local.toml", "[development]\ndebug = false\n")

    files = project.load().sources.files

    assert files == ("settings.toml", ".secrets.toml", "settings.local.toml")


# --- ENV_FOR_DYNACONF ----------------------------------------------------------------------


def test_unset_environment_means_development(project) -> None:
    assert project.load().environment == "development"
    assert project.load().debug is True  # the [development] table applied


@pytest.mark.parametrize("name", ["production", "PRODUCTION", "Production", " production "])
def test_environment_name_is_case_insensitive(project, production, name) -> None:
    settings = project.load({**production, "ENV_FOR_DYNACONF": name})

    assert settings.environment == "production"
    assert settings.allowed_hosts == ["example.com"]


def test_the_env_argument_beats_the_variable(project) -> None:
    settings = project.load({"ENV_FOR_DYNACONF": "development"}, env="TESTING")

    assert settings.environment == "testing"
    assert settings.debug is False


@pytest.mark.parametrize("name", ["prodution", "default", "global", "", "staging"])
def test_an_unknown_environment_lists_the_known_ones_and_never_falls_back(project, name) -> None:
    error = project.error({"ENV_FOR_DYNACONF": name})

    [problem] = error.problems
    assert problem.key == "environment"
    assert problem.origin == "env ENV_FOR_DYNACONF"
    assert repr(name) in problem.message
    assert "development, production, testing" in problem.message


def test_a_misspelled_environment_gets_a_suggestion(project) -> None:
    [problem] = project.error({"ENV_FOR_DYNACONF": "prodution"}).problems

    assert "unknown environment 'prodution'; did you mean production?" in problem.message


def test_the_known_environments_are_the_tables_of_settings_toml(project) -> None:
    project.write("settings.toml", '[default]\nsecret_key = "k"\n[staging]\n[global]\n')

    assert project.load({"ENV_FOR_DYNACONF": "staging"}).environment == "staging"
    assert "known environments: staging" in str(project.error())  # development is not one


@pytest.mark.parametrize("scalar", ["dynaconf_merge", "debug"])
def test_a_value_outside_any_table_is_no_environment(project, scalar) -> None:
    project.write("settings.toml", f'{scalar} = true\n[default]\nsecret_key = "k"\n[development]\n')

    [problem] = project.error(env=scalar).problems

    assert (problem.key, problem.origin) == ("environment", "the env argument (--env)")
    assert problem.message.endswith("known environments: development")


def test_a_value_outside_any_table_of_settings_toml_stays_an_error(project) -> None:
    project.write("settings.toml", 'debug = true\n[default]\nsecret_key = "k"\n[development]\n')

    assert project.problems() == {("debug", "settings.toml")}


def test_the_global_table_applies_after_the_environment_table(project) -> None:
    project.write(
        "settings.toml",
        """
        [default]
        secret_key = "k"
        log_level = "debug"
        [development]
        log_level = "error"
        [global]
        log_level = "warning"
        """,
    )

    assert project.load().log_level == "warning"


# --- TOML: syntax, encoding, case -----------------------------------------------------------


@pytest.mark.parametrize("name", ["settings.toml", ".secrets.toml", "settings.local.toml"])
def test_a_toml_syntax_error_names_file_line_and_column(project, name) -> None:
    project.write(name, '[default]\nlog_level = "info"\ndebug = \n')

    [problem] = project.error().problems

    assert problem.origin == name
    assert name in problem.message
    assert "line 3, column 9" in problem.message


def test_syntax_errors_in_several_files_are_reported_together(project) -> None:
    project.write(".secrets.toml", "[default\n")
    project.write("settings.local.toml", "x = \n")

    assert {origin for _, origin in project.problems()} == {
        ".secrets.toml",
        "settings.local.toml",
    }


def test_a_utf8_byte_order_mark_is_accepted(project) -> None:
    project.write("settings.toml", '\ufeff[default]\nsecret_key = "k"\n[development]\n')
    project.write(".secrets.toml", '\ufeff[default.database]\npassword = "pässword"\n')

    settings = project.load()

    assert settings.database.password.get_secret_value() == "pässword"


def test_a_file_that_is_not_utf8_is_an_error_naming_it(project) -> None:
    project.write(".secrets.toml", '[default]\nsecret_key = "clé"\n', encoding="latin-1")

    [problem] = project.error().problems

    assert problem.origin == ".secrets.toml"
    assert "not UTF-8" in problem.message


@pytest.mark.parametrize(
    "toml",
    [
        "[default]\ndebug = true\ndebug = false\n",
        "[default]\n[default]\n",
        '[default.database]\nport = 1\n[default.database]\nhost = "h"\n',
    ],
    ids=["key", "table", "nested-table"],
)
def test_a_duplicate_key_is_an_error_naming_the_file(project, toml) -> None:
    project.write(".secrets.toml", toml)

    [problem] = project.error().problems

    assert problem.origin == ".secrets.toml"
    assert "invalid TOML" in problem.message
    assert "line" in problem.message


def test_keys_and_tables_may_be_written_in_upper_case(project) -> None:
    project.write(
        "settings.toml",
        """
        [DEFAULT]
        SECRET_KEY = "k"
        [DEFAULT.DATABASE]
        PORT = 6543
        [Development]
        Debug = true
        """,
    )

    settings = project.load()

    assert (settings.debug, settings.database.port) == (True, 6543)


def test_two_spellings_of_one_key_are_an_error(project) -> None:
    project.write(".secrets.toml", '[default]\nsecret_key = "a"\nSECRET_KEY = "b"\n')

    [problem] = project.error().problems

    assert problem.origin == ".secrets.toml"
    assert "SECRET_KEY is set twice" in problem.message


# --- unknown keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("file", ["settings.toml", ".secrets.toml", "settings.local.toml"])
@pytest.mark.parametrize("table", ["default", "development", "production", "global"])
@pytest.mark.parametrize(
    ("line", "key", "suggestion"),
    [
        ("databse.host = 'h'", "databse.host", "database.host"),
        ("database.hots = 'h'", "database.hots", "database.host"),
        ("database.pool.sise = 1", "database.pool.sise", "database.pool.size"),
        ("debgu = true", "debgu", "debug"),
    ],
    ids=["table", "key-in-table", "nested", "top"],
)
def test_an_unknown_key_names_itself_its_file_and_table(
    project, file, table, line, key, suggestion
) -> None:
    tables = {"default": "", "development": "", "production": ""} if file == "settings.toml" else {}
    tables[table] = line
    project.write(file, "".join(f"[{name}]\n{body}\n" for name, body in tables.items()))

    problems = project.error({"SECRET_KEY": "k"}).problems

    assert [(p.key, p.origin) for p in problems] == [(key, f"{file} [{table}]")]
    assert f"did you mean {suggestion}?" in problems[0].message


def test_unknown_keys_of_every_file_are_reported_together(project) -> None:
    project.write(".secrets.toml", "[testing.database]\nhots = 'h'\n")
    project.write("settings.local.toml", "[default]\ndebgu = true\n")

    assert project.problems() == {
        ("database.hots", ".secrets.toml [testing]"),
        ("debgu", "settings.local.toml [default]"),
    }


def test_ten_thousand_unknown_keys_are_reported_without_comparing_each_with_each(
    project,
) -> None:
    """The values set aside for their problems were found by comparing every key with every
    refused key: 10,000 unknown keys (a 250 KB file) took about a minute to report."""
    body = "".join(f"unknown_key_{i} = {i}\n" for i in range(10_000))
    project.write("settings.toml", f"[default]\n[development]\n{body}")

    with failing_after(20, "load_settings"):
        problems = project.error({"SECRET_KEY": "k" * 40}).problems

    assert len(problems) == 10_000
    assert problems[-1].key == "unknown_key_9999"


@pytest.mark.parametrize(
    ("key", "related"),
    [
        ("database.host", True),  # refused itself
        ("database.host.x", True),  # inside it
        ("database", True),  # holds it
        ("database.hosts", False),  # a sibling that only begins the same way
        ("databases", False),
        ("server.workers", False),
    ],
)
def test_a_key_related_to_a_refused_one_is_set_aside(key: str, related: bool) -> None:
    assert _Related({"database.host", "debug"})(key) is related


def test_a_table_of_an_unknown_environment_in_another_file_is_a_warning_never_loaded(
    project,
) -> None:
    """As in Dynaconf, the table is ignored; unlike Dynaconf, it is said (with a guess)."""
    project.write(".secrets.toml", "[prodution.database]\npassword = 'pw'\n")

    built = build("production", project.root, {})

    assert built.settings is not None
    assert "database.password" not in built.values
    [problem] = built.problems
    assert (problem.key, problem.origin, problem.severity) == (
        "[prodution]",
        ".secrets.toml",
        "warning",
    )
    assert problem.message == (
        "is not an environment settings.toml defines (development, production, testing); "
        "this table is never loaded; did you mean [production]?"
    )


def test_the_keys_of_a_table_never_loaded_are_still_checked(project) -> None:
    project.write(".secrets.toml", "[qa.database]\npasword = 'pw'\n")

    assert project.problems() == {
        ("database.pasword", ".secrets.toml [qa]"),
        ("[qa]", ".secrets.toml"),
    }


def test_a_key_outside_any_table_is_an_error(project) -> None:
    project.write("settings.local.toml", "debug = true\n")

    assert project.problems() == {("debug", "settings.local.toml")}


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[default]\nenvironment = 'production'", "environment"),
        ("[default]\ndatabase = 'postgresql://h/db'", "database"),
        ("[default.database.port]\nx = 1", "database.port.x"),
    ],
    ids=["reserved", "table-as-value", "value-as-table"],
)
def test_a_key_that_cannot_be_set_is_an_error(project, toml, key) -> None:
    project.write("settings.local.toml", toml)

    assert project.problems() == {(key, "settings.local.toml [default]")}


def test_free_keys_of_a_mapping_are_not_unknown(project) -> None:
    project.write("settings.local.toml", "[default.database.options]\nsslmode = 'require'\n")

    assert project.load().database.options == {"ssl": "require"}


# --- what is not read ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "DYNACONF_DEBUG",
        "DYNACONF_DATABASE__PORT",
        "DYNACONF_SECRET_KEY",
        "SETTINGS_FILE_FOR_DYNACONF",
    ],
)
def test_dynaconf_variables_have_no_effect(project, name) -> None:
    baseline = project.load()

    settings = project.load({name: "@int 1"})

    assert settings == baseline
    assert settings.sources.unknown_variables == ()


def test_os_environ_is_not_read_when_an_environment_is_injected(project, monkeypatch) -> None:
    monkeypatch.setenv("DB_HOST", "from-os-environ")
    monkeypatch.setenv("ENV_FOR_DYNACONF", "prodution")

    assert project.load({}).database.host == "db.internal"


def test_a_relative_sqlite_path_is_relative_to_the_settings_directory(
    project, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir("/")

    database = project.load({"DATABASE_URL": "sqlite:///data/app.sqlite3"}).database

    assert database.database == str(tmp_path.resolve() / "data" / "app.sqlite3")


def test_precedence_is_one_ordered_list_and_the_load_follows_it(tmp_path: Path) -> None:
    """Issue 19: the order of the sources is written once, and each source's layers sit
    where the list puts them, whatever order they were read in."""
    from settings import Settings
    from settings.sources import PRECEDENCE, load_layers

    (tmp_path / "settings.toml").write_text("[default]\ndebug = false\n[development]\n")
    (tmp_path / ".secrets.toml").write_text('[default]\nsecret_key = "s3cr3t-0123456789"\n')
    (tmp_path / "settings.local.toml").write_text("[development]\ndebug = true\n")

    loaded = load_layers(None, tmp_path, {"APP_DEBUG": "false"}, Settings)

    assert PRECEDENCE == (
        "environment",
        "settings.toml",
        ".secrets.toml",
        "settings.local.toml",
        "secrets_dir",
        "variables",
    )
    assert [(layer.origin, layer.values) for layer in loaded.layers] == [
        ("default environment", {"environment": "development"}),
        ("settings.toml [default]", {"debug": False}),
        ("settings.toml [development]", {}),
        (".secrets.toml [default]", {"secret_key": "s3cr3t-0123456789"}),
        ("settings.local.toml [development]", {"debug": True}),
        ("env APP_DEBUG", {"debug": "false"}),
    ]
    built = build(None, tmp_path, {"APP_DEBUG": "false"}, Settings)
    assert built.settings.debug is False  # the variable, last, wins
