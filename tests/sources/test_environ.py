"""settings/environ.py: APP_ variables, deployment variables, their _FILE twins, conflicts."""

from __future__ import annotations

import os
import warnings
from dataclasses import replace
from operator import attrgetter
from typing import Annotated
from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url

from settings import EnvVar, Settings, load_settings
from settings.checks import W002
from settings.checks._run import run_checks
from settings.sources._environ import deployment_variables

# (variable, value, what it sets, the value as read from the settings)
DEPLOYMENT_CASES = [
    ("DATABASE_URL", "postgresql://u@h.example:6543/db", "database.port", 6543),
    ("DB_HOST", "h.example", "database.host", "h.example"),
    ("DB_PORT", "6543", "database.port", 6543),
    ("DB_USERNAME", "reader", "database.username", "reader"),
    ("DB_PASSWORD", "pw", "database.password", "pw"),
    ("DB_DATABASE", "2024", "database.database", "2024"),
    ("SECRET_KEY", "k", "secret_key", "k"),
    ("CORS_ORIGINS", "https://a.example, https://b.example", "cors.origins", None),
    ("WEB_CONCURRENCY", "3", "server.workers", 3),
]
CASE_IDS = [case[0] for case in DEPLOYMENT_CASES]

DEPLOYMENT_VARIABLES = deployment_variables(Settings)


def read(settings, key: str):
    value = attrgetter(key)(settings)
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


def test_every_deployment_variable_has_a_case() -> None:
    assert sorted(CASE_IDS) == sorted(DEPLOYMENT_VARIABLES)


# --- X and X_FILE ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "key", "expected"), DEPLOYMENT_CASES, ids=CASE_IDS)
def test_each_deployment_variable_sets_its_field(project, name, value, key, expected) -> None:
    settings = project.load({name: value})

    if expected is None:
        expected = ["https://a.example", "https://b.example"]
    assert read(settings, key) == expected
    assert settings.sources.origin(key) == f"env {name}"


@pytest.mark.parametrize(("name", "value", "key", "expected"), DEPLOYMENT_CASES, ids=CASE_IDS)
def test_each_deployment_variable_can_be_read_from_the_file_named_by_x_file(
    project, name, value, key, expected
) -> None:
    path = project.secret_file("mounted", value + "\n")

    settings = project.load({f"{name}_FILE": path})

    assert read(settings, key) == read(project.load({name: value}), key)
    assert settings.sources.origin(key) == f"file named by {name}_FILE"
    assert f"{name}_FILE" in settings.sources.variables


@pytest.mark.parametrize(
    ("content", "password"),
    [
        (b"pw\n", "pw"),
        (b"pw", "pw"),
        (b"pw\n\n", "pw\n"),
        (b"pw\r\n", "pw"),
        (b" pw \n", " pw "),
        (b"line1\nline2\n", "line1\nline2"),
        (b"\n", ""),
        ("pässwörd\n".encode(), "pässwörd"),
    ],
    ids=["newline", "none", "two-newlines", "crlf", "blanks", "two-lines", "only-newline", "utf8"],
)
def test_x_file_strips_exactly_one_trailing_newline(project, content, password) -> None:
    path = project.secret_file("db_password", content)

    database = project.load({"DB_PASSWORD_FILE": path}).database

    assert database.password.get_secret_value() == password


@pytest.mark.parametrize("name", sorted(DEPLOYMENT_VARIABLES))
def test_setting_both_x_and_x_file_is_an_error_naming_both(project, name) -> None:
    path = project.secret_file("mounted", "value\n")

    [problem] = project.error({name: "value", f"{name}_FILE": path}).problems

    assert problem.key == DEPLOYMENT_VARIABLES[name]
    assert problem.origin == f"env {name}, env {name}_FILE"
    assert name in problem.message
    assert f"{name}_FILE" in problem.message


@pytest.mark.parametrize("name", sorted(DEPLOYMENT_VARIABLES))
@pytest.mark.parametrize("path", ["missing", "directory"])
def test_an_unreadable_x_file_is_an_error_naming_the_path(project, tmp_path, name, path) -> None:
    target = tmp_path / path
    if path == "directory":
        target.mkdir()

    [problem] = project.error({f"{name}_FILE": str(target)}).problems

    assert problem.key == DEPLOYMENT_VARIABLES[name]
    assert problem.origin == f"file named by {name}_FILE"
    assert str(target) in problem.message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_an_x_file_without_read_permission_is_an_error_naming_the_path(project) -> None:
    path = project.secret_file("db_password", "pw\n")
    os.chmod(path, 0)

    [problem] = project.error({"DB_PASSWORD_FILE": path}).problems

    assert path in problem.message
    assert "ermission" in problem.message


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"\xff\xfepw", "not UTF-8"), (b"x" * (64 * 1024 + 1), "larger than")],
    ids=["binary", "too-large"],
)
def test_an_x_file_that_is_no_text_secret_is_an_error(project, content, reason) -> None:
    path = project.secret_file("db_password", content)

    [problem] = project.error({"DB_PASSWORD_FILE": path}).problems

    assert path in problem.message
    assert reason in problem.message


def test_an_x_file_path_with_a_nul_byte_is_named_in_the_error(project) -> None:
    [problem] = project.error({"DB_PASSWORD_FILE": "/run/secrets/db\x00pw"}).problems

    assert repr("/run/secrets/db\x00pw") in problem.message


# --- conflicts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "key"),
    [
        (("DB_HOST", "a.example"), ("APP_DATABASE__HOST", "b.example"), "database.host"),
        (("DATABASE_URL", "postgresql://h/db?port=5433"), ("DB_PORT", "5434"), "database.port"),
        (("DATABASE_URL", "postgresql://h:5433/db"), ("DB_PORT", "5434"), "database.port"),
        (
            ("DATABASE_URL", "postgresql://a.example/db"),
            ("APP_DATABASE__HOST", "b"),
            "database.host",
        ),
        (("DATABASE_URL", "postgresql://u:pw1@h/db"), ("DB_PASSWORD", "pw2"), "database.password"),
        (("DB_PASSWORD_FILE", "pw1"), ("APP_DATABASE__PASSWORD", "pw2"), "database.password"),
        (
            ("DATABASE_URL", "sqlite:///a.db"),
            ("APP_DATABASE__DRIVER", "postgresql+asyncpg"),
            "database.driver",
        ),
        (("SECRET_KEY", "key1"), ("APP_SECRET_KEY", "key2"), "secret_key"),
        (
            ("CORS_ORIGINS", "https://a.example"),
            ("APP_CORS__ORIGINS", "https://b.example"),
            "cors.origins",
        ),
    ],
    ids=lambda value: value[0] if isinstance(value, tuple) else None,
)
def test_two_variables_setting_one_field_differently_is_an_error_naming_both(
    project, first, second, key
) -> None:
    environ = dict([first, second])
    if "DB_PASSWORD_FILE" in environ:
        environ["DB_PASSWORD_FILE"] = project.secret_file("pw", environ["DB_PASSWORD_FILE"])

    error = project.error(environ)

    [problem] = error.problems
    assert problem.key == key
    assert first[0] in problem.origin
    assert second[0] in problem.origin
    assert "different values" in problem.message
    assert "pw1" not in str(error)
    assert "pw2" not in str(error)


@pytest.mark.parametrize(
    "environ",
    [
        {"DB_HOST": "a.example", "APP_DATABASE__HOST": "a.example"},
        {"DATABASE_URL": "postgresql://h:5433/db", "DB_PORT": "5433"},
        {"DATABASE_URL": "postgresql://u:pw@h/db", "DB_PASSWORD": "pw"},
        {
            "CORS_ORIGINS": '["https://a.example", "https://b.example"]',
            "APP_CORS__ORIGINS": "https://a.example, https://b.example",
        },
        {"DATABASE_URL": "postgresql://h:5432/db", "DB_PORT": "05432"},
    ],
    ids=["host", "port", "password", "origins-json-and-comma", "port-by-type"],
)
def test_the_same_value_twice_is_fine(project, environ) -> None:
    settings = project.load(environ)  # no conflict raised

    assert set(environ) <= set(settings.sources.variables)  # both recorded as sources


def test_database_url_without_password_plus_db_password_is_fine(project) -> None:
    database = project.load(
        {"DATABASE_URL": "postgresql://u@h.example/db", "DB_PASSWORD": "pw"}
    ).database

    assert (database.username, database.host, database.database) == ("u", "h.example", "db")
    assert database.password.get_secret_value() == "pw"
    assert database.url.password == "pw"


# --- types and literal text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "key", "expected"),
    [
        ({"DB_DATABASE": "2024"}, "database.database", "2024"),
        ({"APP_DATABASE__DATABASE": "007"}, "database.database", "007"),
        ({"APP_DATABASE__PORT": "5433"}, "database.port", 5433),
        ({"DB_USERNAME": "true"}, "database.username", "true"),
        ({"DB_HOST": "0x1F"}, "database.host", "0x1F"),
        ({"APP_DEBUG": "false"}, "debug", False),
        ({"APP_DEBUG": "0"}, "debug", False),
        ({"APP_DATABASE__POOL__TIMEOUT": "2.5"}, "database.pool.timeout", 2.5),
        ({"APP_DATABASE__POOL__PRE_PING": "no"}, "database.pool.pre_ping", False),
        ({"APP_LOG_LEVEL": "WARNING"}, "log_level", "warning"),
        (
            {"APP_DATABASE__OPTIONS__SSLMODE": "require"},
            "database.options",
            {"ssl": "require"},
        ),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_values_are_converted_by_the_fields_type(project, environ, key, expected) -> None:
    value = read(project.load(environ), key)

    assert value == expected
    assert type(value) is type(expected)


LITERAL_PASSWORDS = [
    "123456",
    "true",
    "0x1F",
    "[1,2]",
    "'quoted'",
    '"double"',
    "@format {env[HOME]}",
    "@json [1]",
    "@read_file /etc/passwd",
    "p@ss:w/rd?#%",
    "%41+%20&x=y",
    " spaced ",
    "ünï©ødé",
]


def _password_environ(project, source: str, password: str) -> dict[str, str]:
    if source == "DB_PASSWORD_FILE":
        return {source: project.secret_file("db_password", password + "\n")}
    if source == "DATABASE_URL":
        return {source: f"postgresql://app:{quote(password, safe='')}@db.internal/app"}
    return {source: password}


@pytest.mark.parametrize("password", LITERAL_PASSWORDS)
@pytest.mark.parametrize(
    "source", ["DB_PASSWORD", "APP_DATABASE__PASSWORD", "DB_PASSWORD_FILE", "DATABASE_URL"]
)
def test_a_password_reaches_the_database_byte_for_byte(project, source, password) -> None:
    environ = {**_password_environ(project, source, password), "HOME": "/home/someone"}

    database = project.load(environ).database

    assert database.password.get_secret_value() == password
    assert database.url.password == password
    rendered = database.url.render_as_string(hide_password=False)
    assert make_url(rendered).password == password
    assert make_url(rendered) == database.url
    assert password not in str(database.url)


@pytest.mark.parametrize("source", ["SECRET_KEY", "APP_SECRET_KEY", "SECRET_KEY_FILE"])
@pytest.mark.parametrize("value", ["@format {env[HOME]}", "@int 5", "123456", "[1,2]"])
def test_a_secret_key_is_literal_text(project, source, value) -> None:
    if source.endswith("_FILE"):
        value_in_env = project.secret_file("secret_key", value + "\n")
    else:
        value_in_env = value

    settings = project.load({source: value_in_env, "HOME": "/home/someone"})

    assert settings.secret_key.get_secret_value() == value


def test_a_token_in_a_plain_field_is_not_evaluated_either(project) -> None:
    settings = project.load({"DB_DATABASE": "@format {env[HOME]}", "HOME": "/home/someone"})

    assert settings.database.database == "@format {env[HOME]}"


# --- lists ------------------------------------------------------------------------------------


LIST_VARIABLES = [
    ("CORS_ORIGINS", "cors.origins", "https://a.example", "https://b.example"),
    ("APP_CORS__ORIGINS", "cors.origins", "https://a.example", "https://b.example"),
    ("APP_ALLOWED_HOSTS", "allowed_hosts", "a.example", "b.example"),
    ("APP_CORS__ALLOW_METHODS", "cors.allow_methods", "GET", "POST"),
]


@pytest.mark.parametrize(("name", "key", "a", "b"), LIST_VARIABLES, ids=lambda v: v)
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('["{a}", "{b}"]', ["{a}", "{b}"]),
        ("{a},{b}", ["{a}", "{b}"]),
        (" {a} , , {b} ,", ["{a}", "{b}"]),
        ('  [" {a} ", "", "{b}"]  ', ["{a}", "{b}"]),
        ("{a}", ["{a}"]),
        ("", []),
        ("[]", []),
        (" , ", []),
    ],
    ids=[
        "json",
        "comma",
        "blanks-and-empties",
        "json-blanks",
        "one",
        "empty",
        "empty-json",
        "commas",
    ],
)
def test_lists_accept_json_or_comma_text_trimmed_without_empties(
    project, name, key, a, b, template, expected
) -> None:
    settings = project.load({name: template.format(a=a, b=b)})

    assert read(settings, key) == [item.format(a=a, b=b) for item in expected]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["https://a.example"', "is not a valid JSON array"),
        ("[1, 2]", "must be a JSON array of strings"),
        ('[["https://a.example"]]', "must be a JSON array of strings"),
        ("[" * 100_000, "nested too deeply"),
    ],
    ids=["unclosed", "numbers", "nested", "deep"],
)
def test_a_malformed_json_list_is_an_error(project, value, message) -> None:
    [problem] = project.error({"CORS_ORIGINS": value}).problems

    assert (problem.key, problem.origin) == ("cors.origins", "env CORS_ORIGINS")
    assert message in problem.message


# --- APP_ variables the schema does not know ----------------------------------------------


def test_an_unknown_app_variable_is_a_warning_not_an_error(project, caplog) -> None:
    with warnings.catch_warnings(record=True) as python_warnings:
        warnings.simplefilter("always")
        settings = project.load({"APP_DATABSE__HOST": "h", "APP_DEBUG": "false"})

    assert python_warnings == []
    assert settings.debug is False
    assert settings.sources.unknown_variables == ("env APP_DATABSE__HOST",)
    assert run_checks(settings, deploy=False).problems == [
        replace(W002, origin="env APP_DATABSE__HOST", hint="did you mean APP_DATABASE__HOST?")
    ]
    assert caplog.records == []  # load_settings is pure: the app logs the warning at startup


def test_an_unknown_app_variable_does_not_stop_production(project, production) -> None:
    settings = project.load({**production, "APP_UNRELATED_TOOL": "1"})

    assert settings.sources.unknown_variables == ("env APP_UNRELATED_TOOL",)


@pytest.mark.parametrize(
    ("name", "key", "reason"),
    [
        ("APP_ENVIRONMENT", "environment", "ENV_FOR_DYNACONF"),
        ("APP_DATABASE", "database", "is a table"),
        ("APP_DATABASE__POOL", "database.pool", "is a table"),
        ("APP_DATABASE__OPTIONS", "database.options", "APP_DATABASE__OPTIONS__<KEY>"),
        ("APP_DATABASE__PORT__X", "database.port.x", "is a value, not a table"),
    ],
)
def test_an_app_variable_for_a_key_that_cannot_be_set_is_an_error(
    project, name, key, reason
) -> None:
    [problem] = project.error({name: "x"}).problems

    assert (problem.key, problem.origin) == (key, f"env {name}")
    assert reason in problem.message


def test_app_options_variables_set_one_option_each(project) -> None:
    settings = project.load({"APP_DATABASE__OPTIONS__SSLMODE": "require"})

    assert settings.database.options == {"ssl": "require"}


def test_the_sources_name_the_variables_that_contributed_never_their_values(project) -> None:
    settings = project.load({"DB_PASSWORD": "hunter2", "APP_DEBUG": "false", "OTHER": "x"})

    assert settings.sources.variables == ("APP_DEBUG", "DB_PASSWORD")
    assert "hunter2" not in repr(settings.sources)
    assert "hunter2" not in repr(settings.sources.history["database.password"])


def test_an_unknown_app_variable_with_no_close_key_gets_the_general_hint(project) -> None:
    settings = project.load({"APP_NAME": "billing"})

    assert run_checks(settings, deploy=False).problems == [replace(W002, origin="env APP_NAME")]


# --- Names match in ASCII only ---------------------------------------------------------------

KELVIN_SECRET_KEY = "APP_SECRET_\u212aEY"  # the Kelvin sign, which str.lower() turns into "k"


def test_a_look_alike_variable_name_is_unknown_not_the_setting(project) -> None:
    settings = project.load({KELVIN_SECRET_KEY: "x" * 40})

    assert settings.secret_key.get_secret_value() != "x" * 40
    [warning] = [p for p in run_checks(settings, deploy=False).problems if p.id == W002.id]
    assert warning.origin == "env APP_SECRET_\\u212aEY"  # printed with ascii(): tellable apart


def test_a_look_alike_of_a_set_variable_is_never_a_second_value_for_it(project) -> None:
    """``APP_D\u0415BUG`` (a Cyrillic E) beside ``APP_DEBUG``: no conflict, no winner by
    accident; the look-alike is an unknown variable, printed so a reader can tell it apart."""
    settings = project.load({"APP_DEBUG": "false", "APP_D\u0415BUG": "true"})

    assert settings.debug is False
    [warning] = [p for p in run_checks(settings, deploy=False).problems if p.id == W002.id]
    assert warning.origin == "env APP_D\\u0415BUG"


class FlagModel(Settings):
    """A boolean with a deployment variable of its own, beside its APP_ form."""

    maintenance: Annotated[bool, EnvVar("MAINTENANCE")] = False


def test_blanks_around_a_boolean_do_not_make_two_variables_conflict(project) -> None:
    environ = {"MAINTENANCE": "true ", "APP_MAINTENANCE": "true"}

    settings = load_settings(root=project.root, environ=environ, model=FlagModel)

    assert settings.maintenance is True  # one value, read by the whitespace rule: no conflict


def test_a_relative_file_path_is_relative_to_the_settings_directory(
    project, tmp_path, monkeypatch
) -> None:
    """``load_settings(root=...)`` and ``--root`` read a relative ``DB_PASSWORD_FILE`` beside
    settings.toml, not in the working directory (issue 16, item 13)."""
    (project.root / "relpw").write_text("from-the-settings-directory\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "relpw").write_text("from-the-working-directory\n")
    monkeypatch.chdir(elsewhere)

    settings = project.load({"DB_PASSWORD_FILE": "relpw"})

    assert settings.database.password.get_secret_value() == "from-the-settings-directory"
    assert settings.sources.secret_files["database.password"] == str(project.root / "relpw")
