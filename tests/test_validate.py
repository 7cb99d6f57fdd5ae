"""settings/report.py and errors.py: one report of every problem, and no secret in it."""

from __future__ import annotations

import pickle

import pytest

from settings import ImproperlyConfigured, Problem

SECRET = "hunter2-Canary-7f3a"


def test_every_problem_is_reported_in_one_go_with_key_message_and_origin(
    project, production
) -> None:
    project.write(
        "settings.toml",
        """
        [default]
        secret_key = "development-key-not-for-production"
        [production]
        log_level = "verbose"
        [development]
        """,
    )
    project.write(".secrets.toml", "[default.database]\nconnect_timeout = 'soon'\n")
    environ = {
        **production,
        "APP_DATABASE__PORT": "0",
        "DB_HOST": "bad host",
        "DB_PASSWORD_FILE": str(project.root / "missing"),
        "APP_DEBUG": "maybe",
    }
    del environ["DB_PASSWORD"]

    error = project.error(environ)

    assert {(p.key, p.origin) for p in error.problems} == {
        ("log_level", "settings.toml [production]"),
        ("database.connect_timeout", ".secrets.toml [default]"),
        ("database.port", "env APP_DATABASE__PORT"),
        ("database.host", "env DB_HOST"),
        ("database.password", "file named by DB_PASSWORD_FILE"),
        ("debug", "env APP_DEBUG"),
    }
    assert all(problem.message for problem in error.problems)
    report = str(error)
    assert report.splitlines()[0] == "Improperly configured: 6 errors"
    for problem in error.problems:
        assert f"{problem.key}: {problem.message} (from {problem.origin})" in report


def test_a_value_that_is_not_secret_is_quoted_to_help(project) -> None:
    [problem] = project.error({"DB_PORT": "abc"}).problems

    assert problem.message.endswith("(got 'abc')")


def test_a_missing_required_value_says_so(project) -> None:
    project.write("settings.toml", "[default]\n[development]\n")
    project.write(".secrets.toml", f"[default.database]\npassword = '{SECRET}'\n")

    error = project.error()

    [problem] = error.problems
    assert (problem.key, problem.origin) == ("secret_key", None)
    assert "is required" in problem.message
    assert SECRET not in str(error)
    assert SECRET not in repr(error.problems)


def test_problems_that_are_not_deployment_rules_have_no_id(project) -> None:
    [problem] = project.error({"DB_PORT": "abc"}).problems

    assert problem.id is None
    assert problem.is_error


def test_the_header_counts_the_errors_and_warnings_listed_below_it(project, production) -> None:
    environ = {**production, "APP_UNKNOWN": "1", "APP_DEBUG": "true", "DB_PORT": "x"}

    error = project.error(environ)

    assert [p.severity for p in error.problems] == ["error", "error", "warning"]
    assert str(error).splitlines()[0] == "Improperly configured: 2 errors, 1 warning"


@pytest.mark.parametrize(
    ("severities", "header"),
    [
        (["error"], "1 error"),
        (["error", "error"], "2 errors"),
        (["error", "warning", "warning"], "1 error, 2 warnings"),
        (["warning"], "1 warning"),
    ],
)
def test_the_header_counts_each_severity_present(severities, header) -> None:
    error = ImproperlyConfigured(Problem("debug", "is on", severity=s) for s in severities)

    assert str(error).splitlines()[0] == f"Improperly configured: {header}"


def test_the_exception_pickles_with_its_problems(project) -> None:
    error = project.error({"DB_PORT": "abc"})

    copy = pickle.loads(pickle.dumps(error))

    assert copy.problems == error.problems
    assert str(copy) == str(error)


def test_a_message_alone_is_one_problem() -> None:
    error = ImproperlyConfigured("settings.toml not found")

    assert error.problems == [Problem("settings", "settings.toml not found")]
    assert str(error) == "Improperly configured: 1 error\n  ERROR settings: settings.toml not found"


# --- secrets never appear ------------------------------------------------------------------


def _secret_cases(project) -> dict[str, tuple[dict[str, str], str | None]]:
    """Ways a secret reaches a failing load: (environment, .secrets.toml text)."""
    return {
        "password-wrong-type": ({}, "[default.database]\npassword = 12345678901\n"),
        "secret-key-wrong-type": ({}, f"[default]\nsecret_key = ['{SECRET}']\n"),
        "password-table": ({}, f"[default.database.password]\nvalue = '{SECRET}'\n"),
        "env-password-with-other-error": ({"DB_PASSWORD": SECRET, "DB_PORT": "x"}, None),
        "url-password-with-bad-port": (
            {"DATABASE_URL": f"postgresql://u:{SECRET}@h:x/db"},
            None,
        ),
        "url-query-password-bad-scheme": (
            {"DATABASE_URL": f"mysql://u@h/db?password={SECRET}"},
            None,
        ),
        "conflicting-passwords": (
            {"DB_PASSWORD": SECRET, "APP_DATABASE__PASSWORD": SECRET + "x"},
            None,
        ),
        "conflicting-keys": ({"SECRET_KEY": SECRET, "APP_SECRET_KEY": "other"}, None),
        "short-key-in-production": (
            {"ENV_FOR_DYNACONF": "production", "SECRET_KEY": SECRET, "DB_PASSWORD": SECRET},
            None,
        ),
        "secret-file-wrong-port": (
            {"DB_PASSWORD_FILE": project.secret_file("pw", SECRET + "\n"), "DB_PORT": "x"},
            None,
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "password-wrong-type",
        "secret-key-wrong-type",
        "password-table",
        "env-password-with-other-error",
        "url-password-with-bad-port",
        "url-query-password-bad-scheme",
        "conflicting-passwords",
        "conflicting-keys",
        "short-key-in-production",
        "secret-file-wrong-port",
    ],
)
def test_no_secret_in_the_report_or_the_problems(project, case) -> None:
    environ, secrets = _secret_cases(project)[case]
    if secrets is not None:
        project.write(".secrets.toml", secrets)

    error = project.error(environ)

    for text in (str(error), repr(error), repr(error.problems), error.report()):
        assert SECRET not in text
        assert "12345678901" not in text
    assert error.__cause__ is None
    assert error.__context__ is None  # a traceback would print a chained Pydantic error


def test_no_secret_in_the_repr_of_the_settings(project) -> None:
    project.write(".secrets.toml", f"[default]\nsecret_key = '{SECRET}'\n")

    settings = project.load({"DB_PASSWORD": SECRET})

    for text in (
        repr(settings),
        str(settings),
        repr(settings.database),
        str(settings.database.url),
        repr(settings.database.url),
        repr(settings.sources),
        repr(settings.sources.history),
    ):
        assert SECRET not in text


@pytest.mark.parametrize(
    ("environ", "key"),
    [
        ({"DB_HOST": "postgresql://u:Zq-hunter2@h/db"}, "database.host"),
        ({"CORS_ORIGINS": "https://u:Zq-hunter2@x.example/"}, "cors.origins"),
        ({"APP_ALLOWED_HOSTS": "https://u:Zq-hunter2@x.example"}, "allowed_hosts"),
        ({"DB_PASSWORD": "Zq-hunter2", "APP_LOG_LEVEL": "xZq-hunter2"}, "log_level"),
        ({"DB_HOST": "redis://default:Zq hunter2 x@h:6379x/0"}, "database.host"),
        ({"DB_HOST": "redis//:Zq-hunter2@h:6379/0"}, "database.host"),
        ({"DB_HOST": ":Zq-hunter2@h:6379/0"}, "database.host"),
    ],
    ids=[
        "url-in-host",
        "url-in-origins",
        "url-in-hosts",
        "secret-copied-elsewhere",
        "url-with-a-blank-in-its-password",
        "url-mistyped-without-its-colon",
        "credentials-without-a-scheme",
    ],
)
def test_a_quoted_value_never_carries_a_password(project, environ, key) -> None:
    [problem] = project.error(environ).problems

    assert problem.key == key
    assert "hunter2" not in str(problem)


def test_a_value_read_from_a_mounted_file_is_not_quoted(project, tmp_path) -> None:
    mounted = tmp_path / "password"
    mounted.write_text("Zq-hunter2\n", encoding="utf-8")

    [problem] = project.error({"DB_PORT_FILE": str(mounted)}).problems

    assert (problem.key, problem.origin) == ("database.port", "file named by DB_PORT_FILE")
    assert "hunter2" not in str(problem)


def test_a_harmless_value_is_quoted_to_help(project) -> None:
    [problem] = project.error({"DB_PORT": "65536"}).problems

    assert "(got '65536')" in problem.message


def test_the_internal_load_objects_keep_secrets_out_of_their_repr(project) -> None:
    from settings._load import build

    built = build(None, project.root, {"DB_PASSWORD": "Zq-hunter2", "SECRET_KEY": "Zq-hunter3"})

    assert built.settings is not None
    assert "hunter" not in repr(built) + repr(built.loaded) + repr(built.sources)


def test_a_union_field_is_reported_under_its_key_with_the_origin_of_its_value(
    project,
) -> None:
    """Not ``either.lax-or-strict[...]`` from "schema default": the key, and .secrets.toml."""
    from typing import Union

    from pydantic import SecretStr

    from settings._load import build
    from settings.contrib import Settings

    class WithUnion(Settings):
        either: Union[SecretStr, int] = 1  # noqa: UP007 - the spelling the issue reports

    project.write(".secrets.toml", "[default]\neither = [1, 2]\n")

    built = build(None, project.root, {}, WithUnion)

    assert {(p.key, p.origin) for p in built.problems} == {("either", ".secrets.toml [default]")}
    assert [p.message for p in built.problems] == [
        "Input should be a valid string",
        "Input should be a valid integer",
    ]
