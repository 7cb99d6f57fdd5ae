"""settings/schema/_types.py: what a text value may hold, and how blanks around a value are read.

Control characters never reach a driver or a header. One whitespace rule: blanks around a value
are ignored where they cannot mean anything (numbers, booleans, choices), and kept byte for byte
in text, for the framework's model and an application's own alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest

from settings import ImproperlyConfigured, Settings, load_settings
from settings.schema import Section
from tests.support.project import BASE_SETTINGS_TOML


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("DB_DATABASE_FILE", "db\0application_name\0injected", "database.database"),
        ("DB_USERNAME_FILE", "app\0options\0-c log_statement=all", "database.username"),
        ("DB_USERNAME", "app\r\nuser", "database.username"),
        ("DB_DATABASE", "app\x1b[2J", "database.database"),
        ("DB_DATABASE", "app\u202egnp.exe", "database.database"),
        ("CORS_ORIGINS", "https://app.example.com\x7f", "cors.origins"),
        ("APP_CORS__ALLOW_HEADERS", "X-Token\r\nSet-Cookie: a=b", "cors.allow_headers"),
        ("APP_CORS__ALLOW_METHODS", "GET,PO\x00ST", "cors.allow_methods"),
        ("APP_ALLOWED_HOSTS", "localhost,api\x0b.example.com", "allowed_hosts"),
    ],
)
def test_control_characters_in_text_that_reaches_a_driver_or_header_are_refused(
    root: Path, variable: str, value: str, key: str
) -> None:
    if variable.endswith("_FILE"):
        (root / "value").write_bytes(value.encode())
        environ = {variable: str(root / "value")}
    else:
        environ = {variable: value}

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("testing", root=root, environ=environ)

    [problem] = caught.value.problems
    assert problem.key.partition("[")[0] == key
    assert "control character" in problem.message


def test_control_characters_in_driver_options_are_refused(root: Path) -> None:
    toml = BASE_SETTINGS_TOML + '[testing.database]\noptions = { ssl = "require\\u0000" }\n'
    (root / "settings.toml").write_text(toml, encoding="utf-8")

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("testing", root=root, environ={})

    assert "control character" in str(caught.value)


# One whitespace rule: blanks around a value are ignored where they cannot mean anything
# (numbers, booleans, choices), and kept byte for byte in text.


def test_blanks_around_values_that_are_not_text_are_ignored_for_every_type(root: Path) -> None:
    settings = load_settings(
        "testing",
        root=root,
        environ={
            "DB_PORT": "5432 ",
            "APP_DEBUG": "True ",
            "APP_METRICS__ENABLED": " false\n",
            "APP_DATABASE__CONNECT_TIMEOUT": "\t2.5 ",
            "APP_DATABASE__DRIVER": " postgresql+asyncpg ",
            "APP_DATABASE__DATABASE": "app",  # the base table names a SQLite file
            "APP_LOG_LEVEL": " warning ",
        },
    )

    assert settings.database.port == 5432
    assert settings.debug is True
    assert settings.metrics.enabled is False
    assert settings.database.connect_timeout == 2.5
    assert settings.database.driver == "postgresql+asyncpg"
    assert settings.log_level == "warning"


def test_blanks_around_text_are_kept(root: Path) -> None:
    settings = load_settings(
        "testing",
        root=root,
        environ={"DB_PASSWORD": " pass word ", "DB_USERNAME": " app", "SECRET_KEY": "key "},
    )

    assert settings.database.password.get_secret_value() == " pass word "
    assert settings.database.username == " app"
    assert settings.secret_key.get_secret_value() == "key "


def test_the_rule_follows_the_types_of_an_application_s_own_model() -> None:
    class Feature(Section):
        enabled: bool = False
        ratio: float | None = None
        label: str = ""

    class AppSettings(Settings):
        feature: Feature = Feature()
        retries: Annotated[int, "metadata"] = 0

    settings = AppSettings.model_validate(
        {
            "secret_key": "k",
            "retries": " 3 ",
            "feature": {"enabled": "yes ", "ratio": " 0.5", "label": " as written "},
        }
    )

    assert (settings.retries, settings.feature.enabled, settings.feature.ratio) == (3, True, 0.5)
    assert settings.feature.label == " as written "
