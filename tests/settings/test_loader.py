"""settings/loader.py: the files, the environment selection, Dynaconf's tokens in the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import ImproperlyConfigured, load_settings

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


def test_the_known_environments_are_the_tables_of_settings_toml(project) -> None:
    project.write("settings.toml", '[default]\nsecret_key = "k"\n[staging]\n[global]\n')

    assert project.load({"ENV_FOR_DYNACONF": "staging"}).environment == "staging"
    assert "known environments: staging" in str(project.error())  # development is not one


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


def test_a_table_of_an_unknown_environment_in_another_file_is_an_error(project) -> None:
    project.write(".secrets.toml", "[prodution.database]\npassword = 'pw'\n")

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == ("prodution", ".secrets.toml")
    assert "settings.toml defines: default, global, development, production, testing" in (
        problem.message
    )


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


# --- Dynaconf's tokens in the files --------------------------------------------------------


def _with_default(project, body: str) -> None:
    project.write("settings.toml", "[default]\n" + body + "\n[development]\n")


def test_format_reads_other_settings_through_this(project) -> None:
    _with_default(
        project,
        """secret_key = "k"
        [default.database]
        host = "db.example.com"
        username = "@format {this.database.host}-reader"
        database = "@format {this.DATABASE.HOST}"
        """,
    )

    database = project.load().database

    assert (database.username, database.database) == ("db.example.com-reader", "db.example.com")


def test_format_reads_the_injected_environment(project, monkeypatch) -> None:
    monkeypatch.setenv("SERVICE_NAME", "from-os-environ")
    _with_default(project, 'secret_key = "@format {env[SERVICE_NAME]}-key"')

    settings = project.load({"SERVICE_NAME": "billing"})

    assert settings.secret_key.get_secret_value() == "billing-key"


def test_this_sees_environment_variables_but_keeps_them_literal(project) -> None:
    _with_default(
        project,
        """secret_key = "k"
        [default.database]
        username = "@format {this.database.host}-reader"
        database = "@get database.password"
        """,
    )

    database = project.load({"DB_HOST": "envhost", "DB_PASSWORD": "@format {env[HOME]}"}).database

    assert database.username == "envhost-reader"
    assert database.database == "@format {env[HOME]}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"@int 6543"', 6543),
        ('"@get database.pool.size @int"', 7),
        ('"@json 6543"', 6543),
    ],
)
def test_casting_tokens(project, value, expected) -> None:
    _with_default(
        project,
        f"""secret_key = "k"
        [default.database]
        port = {value}
        [default.database.pool]
        size = "@int 7"
        """,
    )

    assert project.load().database.port == expected


def test_json_token_gives_a_table(project) -> None:
    _with_default(
        project,
        """secret_key = "k"
        [default.database]
        options = '@json {"sslmode": "verify-full"}'
        """,
    )

    assert project.load().database.options == {"ssl": "verify-full"}


def test_tokens_inside_lists_are_evaluated(project) -> None:
    _with_default(project, 'secret_key = "k"\nallowed_hosts = ["@format {env[HOST]}", "@str b"]')

    assert project.load({"HOST": "example.org"}).allowed_hosts == ["example.org", "b"]


def test_a_token_that_fails_is_reported_with_key_and_origin(project) -> None:
    _with_default(project, 'secret_key = "k"\nlog_level = "@format {env[MISSING]}"')

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == ("log_level", "settings.toml [default]")
    assert problem.message.startswith("cannot evaluate @format")
    assert "MISSING" in problem.message


def test_a_failing_token_of_a_secret_does_not_show_the_secret(project) -> None:
    project.write(".secrets.toml", '[default]\nsecret_key = "@int s3cr3t-value"\n')

    error = project.error()

    assert [(p.key, p.message) for p in error.problems] == [("secret_key", "cannot evaluate @int")]
    assert "s3cr3t-value" not in str(error)


@pytest.mark.parametrize("token", ["@merge", "@del", "@insert", "@reset", "@empty"])
def test_merge_tokens_are_refused_since_merging_is_automatic(project, token) -> None:
    project.write("settings.local.toml", f'[default]\nallowed_hosts = "{token} x"\n')

    [problem] = project.error().problems

    assert problem.key == "allowed_hosts"
    assert problem.message.startswith(f"cannot evaluate {token}")


def test_a_string_starting_with_at_that_is_no_token_stays_as_written(project) -> None:
    project.write(".secrets.toml", '[default.database]\npassword = "@not-a-token"\n')

    assert project.load().database.password.get_secret_value() == "@not-a-token"


def test_auto_cast_for_dynaconf_in_os_environ_does_not_disable_tokens(project, monkeypatch) -> None:
    monkeypatch.setenv("AUTO_CAST_FOR_DYNACONF", "false")
    _with_default(project, 'secret_key = "k"\n[default.database]\nport = "@int 6543"')

    assert project.load().database.port == 6543


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
