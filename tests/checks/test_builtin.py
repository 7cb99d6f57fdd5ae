"""settings/checks/builtin.py: the built-in rules, pure functions with stable ids, registered."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from settings import ImproperlyConfigured, Settings, load_settings
from settings.checks import W001, W002, W003, registered
from settings.checks import _builtin as builtin
from settings.checks._run import run_checks
from settings.contrib.database import _checks as database
from settings.contrib.database._checks import E006, E007, E011
from settings.contrib.web import _checks as web
from settings.contrib.web._checks import E001, E002, E003, E004, E005, E008, E009, E010
from settings.schema._keys import schema_keys
from tests.support.cli import PRODUCTION, SETTINGS_TOML
from tests.support.project import STRONG_KEY

SAFE: dict[str, Any] = {
    "environment": "production",
    "debug": False,
    "secret_key": STRONG_KEY,
    "allowed_hosts": ["example.com"],
    "cors": {"origins": ["https://app.example.com"], "allow_credentials": True},
    "database": {"password": "pw"},
}


def settings_with(**changes: Any) -> Settings:
    values = {**SAFE, **changes}
    if "database" in changes:
        values["database"] = {**SAFE["database"], **changes["database"]}
    return Settings.model_validate(values)


def test_safe_settings_pass_every_rule() -> None:
    safe = settings_with()

    assert run_checks(safe, deploy=True).problems == []
    offline = registered(connect=False)  # the connection budget asks a server: not here
    assert [check.function(safe) for check in offline] == [[] for _ in offline]


@pytest.mark.parametrize(
    ("check", "changes", "expected"),
    [
        (web.check_debug, {"debug": True}, [E001]),
        (web.check_secret_key_length, {"secret_key": "a1b2c3d4e5"}, [E002]),
        (web.check_secret_key_length, {"secret_key": STRONG_KEY[:31]}, [E002]),
        (web.check_secret_key_length, {"secret_key": STRONG_KEY[:32]}, []),
        (web.check_secret_key_variety, {"secret_key": "ab" * 20}, [E003]),
        (web.check_secret_key_variety, {"secret_key": "abcd" * 10}, [E003]),
        (web.check_secret_key_variety, {"secret_key": "abcde" * 8}, []),
        (web.check_secret_key_default, {"secret_key": "changeme"}, [E004]),
        (web.check_secret_key_default, {"secret_key": " ChangeMe "}, [E004]),
        (web.check_secret_key_default, {"secret_key": "django-insecure-" + STRONG_KEY}, [E004]),
        (web.check_secret_key_default, {"secret_key": "secret"}, [E004]),
        (web.check_secret_key_default, {"secret_key": "<" + STRONG_KEY + ">"}, [E004]),
        (database.check_database_password, {"database": {"password": ""}}, [E006]),
        (database.check_database_password_placeholder, {"database": {"password": "<pw>"}}, [E011]),
        (database.check_database_password_placeholder, {"database": {"password": "<pw"}}, []),
        (
            database.check_database_password,
            {"database": {"password": "", "driver": "sqlite+aiosqlite"}},
            [],
        ),
        (database.check_database_engine, {"database": {"driver": "sqlite+aiosqlite"}}, [E007]),
        (web.check_cors, {"cors": {"origins": ["*"], "allow_credentials": True}}, [E008]),
        (web.check_cors, {"cors": {"origins": ["*"], "allow_credentials": False}}, []),
        (web.check_allowed_hosts, {"allowed_hosts": ["example.com", "*"]}, [E009]),
        (web.check_allowed_hosts, {"allowed_hosts": []}, [E010]),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_each_rule(check, changes, expected) -> None:
    assert check(settings_with(**changes)) == expected


def test_the_ids_are_stable_and_unique_and_each_problem_is_keyed_by_its_field() -> None:
    rules = [E001, E002, E003, E004, E005, E006, E007, E008, E009, E010, E011, W001, W002, W003]

    assert [rule.id for rule in rules] == [
        *(f"security.E{n:03}" for n in range(1, 12)),
        "settings.W001",
        "settings.W002",
        "settings.W003",
    ]
    assert all(rule.hint for rule in rules)
    assert {rule.key for rule in rules} <= {*schema_keys(Settings), "settings"}
    assert [rule.severity for rule in rules] == ["error"] * 11 + ["warning"] * 3


def test_the_rules_need_no_provenance() -> None:
    """A Settings built in code has no sources: the rules that read them find nothing."""
    settings = settings_with(secret_key="development-key-not-for-production")

    assert settings.sources is None
    assert web.check_secret_key_development(settings) == []
    assert builtin.check_local_file(settings) == []
    assert builtin.check_unknown_variables(settings) == []


# --- through a production load ------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected", "origin"),
    [
        ({"APP_DEBUG": "true"}, E001, "env APP_DEBUG"),
        ({"SECRET_KEY": "a1b2c3d4e5f6"}, E002, "env SECRET_KEY"),
        ({"SECRET_KEY": "ab" * 20}, E003, "env SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + STRONG_KEY}, E004, "env SECRET_KEY"),
        ({"SECRET_KEY": "development-key-not-for-production"}, E005, "env SECRET_KEY"),
        ({"DB_PASSWORD": ""}, E006, "env DB_PASSWORD"),
        ({"DATABASE_URL": "sqlite:///prod.db"}, E007, "env DATABASE_URL"),
        (
            {"CORS_ORIGINS": "*", "APP_CORS__ALLOW_CREDENTIALS": "true"},
            E008,
            "env CORS_ORIGINS",
        ),
        ({"APP_ALLOWED_HOSTS": "*"}, E009, "env APP_ALLOWED_HOSTS"),
        ({"APP_ALLOWED_HOSTS": ""}, E010, "env APP_ALLOWED_HOSTS"),
    ],
    ids=lambda value: value.id if hasattr(value, "id") else None,
)
def test_production_refuses_to_load_with_a_deployment_error(
    project, production, environ, expected, origin
) -> None:
    error = project.error({**production, **environ})

    assert error.problems == [dataclasses.replace(expected, origin=origin)]
    assert expected.id in str(error)
    assert expected.hint in str(error)


def test_the_development_secret_key_from_the_files_is_refused_in_production(
    project, production
) -> None:
    del production["SECRET_KEY"]

    [problem] = project.error(production).problems

    assert problem == dataclasses.replace(E005, origin="settings.toml [default]")


def test_the_development_table_key_is_the_development_value_too(project, production) -> None:
    project.write(
        "settings.toml",
        f"""
        [default]
        [development]
        secret_key = "{STRONG_KEY}"
        [production]
        allowed_hosts = ["example.com"]
        """,
    )

    [problem] = project.error({**production, "SECRET_KEY": STRONG_KEY}).problems

    assert problem.id == E005.id


def test_all_deployment_errors_are_reported_together(project, production) -> None:
    environ = {**production, "APP_DEBUG": "true", "DB_PASSWORD": "", "APP_ALLOWED_HOSTS": "*"}

    error = project.error(environ)

    assert [p.id for p in error.problems] == [E001.id, E009.id, E006.id]


def test_deployment_errors_are_reported_with_invalid_values_in_one_go(project, production) -> None:
    environ = {**production, "DB_PORT": "65536", "SECRET_KEY": "short", "APP_DEBUG": "yes"}

    error = project.error(environ)

    assert [(p.key, p.id) for p in error.problems] == [
        ("database.port", None),
        ("debug", E001.id),
        ("secret_key", E002.id),
    ]


def test_a_bad_database_url_does_not_hide_the_other_database_problems(project, production) -> None:
    environ = {**production, "DATABASE_URL": "mysql://db/app", "APP_DATABASE__PORT": "x"}

    error = project.error(environ)

    assert [p.key for p in error.problems] == ["database", "database.port"]


def test_a_rule_about_an_invalid_value_is_not_reported_twice(project, production) -> None:
    error = project.error({**production, "APP_DEBUG": "maybe"})

    assert [(p.key, p.id) for p in error.problems] == [("debug", None)]


def test_a_warning_does_not_stop_production(project, production, caplog) -> None:
    project.write("settings.local.toml", "[default]\nlog_level = 'info'\n")

    settings = project.load(production)

    assert run_checks(settings, deploy=True).problems == [W001]
    assert caplog.records == []  # load_settings is pure: the app logs the warning at startup


def test_deployment_rules_do_not_stop_other_environments(project) -> None:
    settings = project.load({"APP_ALLOWED_HOSTS": "*", "DB_PASSWORD": ""})

    assert settings.debug is True
    ids = [problem.id for problem in run_checks(settings, deploy=True).problems]
    assert ids == [E001.id, E005.id, E009.id, E006.id]


def test_run_checks_gives_each_problem_the_origin_of_its_value(project) -> None:
    settings = project.load({"APP_DEBUG": "true"})

    problems = {p.id: p.origin for p in run_checks(settings, deploy=True).problems}

    assert problems[E001.id] == "env APP_DEBUG"
    assert problems[E005.id] == "settings.toml [default]"
    assert problems[E006.id] == "schema default"


def test_without_deploy_only_the_rules_of_every_environment_run(project) -> None:
    settings = project.load({"APP_DEBUG": "true", "APP_X": "1"})

    assert [p.id for p in run_checks(settings, deploy=False).problems] == [W002.id]


def test_ids_follow_the_pattern() -> None:
    problems = [value for value in vars(builtin).values() if isinstance(value, type(E001))]

    assert all(re.fullmatch(r"(security|settings|database)\.[EW]\d{3}", p.id) for p in problems)


def test_the_example_secrets_file_copied_unchanged_does_not_pass_production(project) -> None:
    example = Path(__file__).parents[2] / ".secrets.toml.example"
    project.write(".secrets.toml", example.read_text(encoding="utf-8"))

    error = project.error({"ENV_FOR_DYNACONF": "production"})

    assert {E004.id, E011.id} <= {problem.id for problem in error.problems}


def test_certificate_files_that_cannot_be_used_stop_the_load_not_the_first_connection(
    tmp_path: Path,
) -> None:
    (tmp_path / "settings.toml").write_text(
        '[default]\nsecret_key = "k"\n[default.database]\ndatabase = "app"\n[development]\n'
    )
    missing = tmp_path / "no-such-ca.pem"
    environ = {
        "DATABASE_URL": f"postgresql://u@db.example/app?sslmode=verify-full&sslrootcert={missing}"
    }

    with pytest.raises(ImproperlyConfigured) as raised:
        load_settings(root=tmp_path, environ=environ)

    [problem] = [p for p in raised.value.problems if p.id == "database.E003"]
    assert problem.key == "database.options"
    assert "sslrootcert" in problem.message and problem.origin == "env DATABASE_URL"


# E005 compares the secret key normalised, as E004 does.

DEVELOPMENT_KEY = "development-only-key-do-not-use-in-production"


@pytest.mark.parametrize(
    "variant",
    [DEVELOPMENT_KEY + " ", DEVELOPMENT_KEY.upper(), f"\t{DEVELOPMENT_KEY.title()}\n"],
    ids=["trailing-space", "upper-case", "title-case-blanks"],
)
def test_the_development_key_in_disguise_is_refused_in_production(
    tmp_path: Path, variant: str
) -> None:
    (tmp_path / "settings.toml").write_text(SETTINGS_TOML, encoding="utf-8")
    environ = {**PRODUCTION, "SECRET_KEY": variant}

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings(root=tmp_path, environ=environ)

    assert [problem.id for problem in caught.value.problems] == ["security.E005"]


def tables_project(tmp_path: Path, *tables: str) -> Path:
    body = "".join(f"[{table}]\n" for table in tables)
    (tmp_path / "settings.toml").write_text(f'[default]\nsecret_key = "x"\n{body}', "utf-8")
    return tmp_path


def test_a_misspelt_deployment_table_is_a_warning_naming_both(tmp_path: Path) -> None:
    root = tables_project(tmp_path, "development", "prodcution")
    loaded = load_settings(root=root, environ={})

    [problem] = builtin.check_deployment_tables(loaded)
    assert problem.id == "settings.W005"
    assert problem.message == (
        "'production' is a deployment environment; settings.toml has [prodcution], no [production]"
    )
    assert problem.hint == "rename [prodcution] to [production], or name it in deploy_environments"


def test_an_abbreviated_deployment_table_is_a_warning_too(tmp_path: Path) -> None:
    loaded = load_settings(root=tables_project(tmp_path, "development", "prod"), environ={})

    [problem] = builtin.check_deployment_tables(loaded)
    assert problem.message.endswith("settings.toml has [prod], no [production]")


@pytest.mark.parametrize(
    "tables",
    [
        ("development", "production"),  # the table is there
        ("development", "testing"),  # none, and nothing close: this file deploys nowhere
        ("development", "production-eu", "production-us"),  # two close: regions, not a typo
    ],
)
def test_no_warning_without_a_misspelt_deployment_table(
    tmp_path: Path, tables: tuple[str, ...]
) -> None:
    loaded = load_settings(root=tables_project(tmp_path, *tables), environ={})

    assert builtin.check_deployment_tables(loaded) == []
