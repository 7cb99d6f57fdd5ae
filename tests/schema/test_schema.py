"""settings/schema.py: the frozen model, its field rules and the composed database URL."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import ValidationError, create_model
from sqlalchemy.engine import make_url

from settings import (
    CorsConfig,
    DatabaseConfig,
    EnvVar,
    ImproperlyConfigured,
    PoolConfig,
    Section,
    Settings,
    load_settings,
)

# --- frozen --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "field", "new"),
    [
        ("", "debug", False),
        ("", "secret_key", "other"),
        ("", "database", None),
        ("database", "port", 1),
        ("database", "password", "other"),
        ("database.pool", "size", 2),
        ("cors", "origins", []),
    ],
)
def test_assigning_to_any_field_raises(project, section, field, new) -> None:
    target = project.load()
    for part in filter(None, section.split(".")):
        target = getattr(target, part)
    before = getattr(target, field)

    with pytest.raises(ValidationError, match="frozen"):
        setattr(target, field, new)

    assert getattr(target, field) == before


def test_a_loaded_settings_object_equals_another_load_of_the_same_input(project) -> None:
    assert project.load({"DB_PORT": "6543"}) == project.load({"DB_PORT": "6543"})
    assert project.load({"DB_PORT": "6543"}) != project.load({"DB_PORT": "6544"})


def test_the_sections_are_public_models() -> None:
    assert Settings.model_fields["database"].annotation is DatabaseConfig
    assert Settings.model_fields["cors"].annotation is CorsConfig
    assert DatabaseConfig.model_fields["pool"].annotation is PoolConfig


# --- host and port -------------------------------------------------------------------------

LONGEST_HOST = ".".join(["a" * 63] * 3 + ["a" * 61])  # 253 characters


@pytest.mark.parametrize(
    ("host", "stored"),
    [
        ("localhost", "localhost"),
        ("db.example.com", "db.example.com"),
        ("db-1.internal.", "db-1.internal."),
        ("postgres_primary", "postgres_primary"),
        ("10.0.0.5", "10.0.0.5"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("/var/run/postgresql", "/var/run/postgresql"),
        (LONGEST_HOST, LONGEST_HOST),
    ],
)
def test_valid_hosts(project, host, stored) -> None:
    assert project.load({"DB_HOST": host}).database.host == stored


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("", "must not be empty"),
        ("db host", "whitespace"),
        ("db\nhost", "whitespace"),
        ("db\thost", "whitespace"),
        ("db\x00", "control"),
        (" db", "whitespace"),
        ("a" * 300, "300 characters long; at most 253"),
        (LONGEST_HOST + "a", "254 characters long"),
        ("-db.example.com", "neither a hostname"),
        ("db..example.com", "neither a hostname"),
        ("db!", "neither a hostname"),
        ("a" * 64 + ".example.com", "neither a hostname"),
    ],
    ids=repr,
)
def test_invalid_hosts_are_errors(project, host, message) -> None:
    [problem] = project.error({"DB_HOST": host}).problems

    assert (problem.key, problem.origin) == ("database.host", "env DB_HOST")
    assert message in problem.message


@pytest.mark.parametrize("hosts", ["*", "*.example.com", "api.example.com, 10.0.0.1", ""])
def test_allowed_hosts_take_hostnames_and_leading_wildcards(project, hosts) -> None:
    expected = [host.strip() for host in hosts.split(",") if host.strip()]

    assert project.load({"APP_ALLOWED_HOSTS": hosts}).allowed_hosts == expected


@pytest.mark.parametrize(
    "pattern", ["exa*mple.com", "*example.com", "api.*", "a b", "https://x.com"]
)
def test_a_host_pattern_the_host_check_cannot_match_is_an_error(project, pattern) -> None:
    [problem] = project.error({"APP_ALLOWED_HOSTS": f"localhost, {pattern}"}).problems

    assert (problem.key, problem.origin) == ("allowed_hosts", "env APP_ALLOWED_HOSTS")
    assert "item 2 is not a host pattern" in problem.message
    assert f"got {f'localhost, {pattern}'!r}" in problem.message


@pytest.mark.parametrize("port", ["1", "65535", "05432", " 5432 "])
def test_valid_ports_from_the_environment(project, port) -> None:
    assert project.load({"DB_PORT": port}).database.port == int(port)


@pytest.mark.parametrize(
    "port", ["0", "65536", "1e3", "-1", "abc", "", "5432.0", "0x1F", "1_000", "\u0665"]
)
def test_invalid_ports_from_the_environment(project, port) -> None:
    [problem] = project.error({"DB_PORT": port}).problems

    assert (problem.key, problem.origin) == ("database.port", "env DB_PORT")


@pytest.mark.parametrize("port", ["0", "65536", "1e3", "5432.0", "true", '"x"', "[5432]"])
def test_invalid_ports_from_a_file(project, port) -> None:
    project.write("settings.local.toml", f"[default.database]\nport = {port}\n")

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == ("database.port", "settings.local.toml [default]")


# --- other fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('debug = "maybe"', "debug"),
        ("debug = []", "debug"),
        ("allowed_hosts = 5", "allowed_hosts"),
        ("allowed_hosts = [1]", "allowed_hosts[0]"),
        ('log_level = "verbose"', "log_level"),
        ('database.driver = "mysql"', "database.driver"),
        ('database.database = ""', "database.database"),
        ('database.connect_timeout = "soon"', "database.connect_timeout"),
        ("database.connect_timeout = 0", "database.connect_timeout"),
        ('database.pool.size = "x"', "database.pool.size"),
        ("database.pool.size = 0", "database.pool.size"),
        ("database.pool.size = true", "database.pool.size"),
        ("database.pool.recycle = 1.5", "database.pool.recycle"),
        ('cors.allow_credentials = "perhaps"', "cors.allow_credentials"),
        ('cors.origins = ["https://a.example/"]', "cors.origins"),
        ('cors.origins = ["a.example"]', "cors.origins"),
        ("database.options = { ssl = 1 }", "database.options.ssl"),
    ],
)
def test_a_value_of_the_wrong_type_or_range_is_an_error(project, line, key) -> None:
    project.write("settings.local.toml", f"[development]\n{line}\n")

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == (key, "settings.local.toml [development]")


@pytest.mark.parametrize("level", ["DEBUG", "Info", " warning ", "error"])
def test_log_level_is_case_insensitive(project, level) -> None:
    assert project.load({"APP_LOG_LEVEL": level}).log_level == level.strip().lower()


@pytest.mark.parametrize("origin", ["*", "http://localhost:3000", "https://a.example"])
def test_valid_cors_origins(project, origin) -> None:
    assert project.load({"CORS_ORIGINS": origin}).cors.origins == [origin]


def test_secret_key_is_required() -> None:
    with pytest.raises(ValidationError):
        Settings()  # type: ignore[call-arg]


# --- the database URL ------------------------------------------------------------------------


def test_the_url_escapes_every_special_character() -> None:
    database = DatabaseConfig(
        username="us@er:/", password="p@ss:w/rd?#%", database="my?db#1/x", port=6543
    )

    rendered = database.url.render_as_string(hide_password=False)

    assert make_url(rendered) == database.url
    parsed = make_url(rendered)
    assert (parsed.username, parsed.password, parsed.database) == (
        "us@er:/",
        "p@ss:w/rd?#%",
        "my?db#1/x",
    )


def test_str_of_the_url_hides_the_password() -> None:
    url = DatabaseConfig(password="hunter2").url

    assert "hunter2" not in str(url)
    assert "hunter2" not in repr(url)
    assert str(url) == "postgresql+asyncpg://postgres:***@localhost:5432/app"


def test_no_password_gives_a_url_without_one() -> None:
    url = DatabaseConfig().url

    assert url.password is None
    assert (
        url.render_as_string(hide_password=False)
        == "postgresql+asyncpg://postgres@localhost:5432/app"
    )


def test_options_become_the_url_query() -> None:
    url = DatabaseConfig(options={"sslmode": "require"}).url

    assert dict(url.query) == {"ssl": "require"}


def test_a_sqlite_url_is_the_file_path_only() -> None:
    url = DatabaseConfig(driver="sqlite+aiosqlite", database="/srv/app.db", password="x").url

    assert url.render_as_string(hide_password=False) == "sqlite+aiosqlite:////srv/app.db"


def test_the_url_is_composed_once() -> None:
    database = DatabaseConfig()

    assert database.url is database.url


class _Token(Section):
    value: Annotated[str, EnvVar("TOKEN")] = ""


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        # DATABASE_URL is declared on Settings.database: another field cannot take it.
        (
            {"url": (Annotated[str, EnvVar("DATABASE_URL")], "")},
            "EnvVar('DATABASE_URL') is declared on both database and url",
        ),
        ({"flag": (Annotated[bool, EnvVar("APP_DEBUG")], False)}, "under the APP_ prefix"),
        ({"blank": (Annotated[str, EnvVar("")], "")}, "EnvVar('') on blank is not a name"),
        (
            {"token": (_Token, _Token()), "other": (Annotated[str, EnvVar("TOKEN_FILE")], "")},
            "EnvVar('TOKEN_FILE') on other is the file variable of EnvVar('TOKEN')",
        ),
    ],
    ids=["taken", "app-prefix", "empty", "x-and-x-file"],
)
def test_a_variable_name_that_would_collide_is_refused_naming_both(
    project, fields: dict[str, Any], named: str
) -> None:
    """Each of these once loaded silently, setting two fields or none (issue 16, item 20)."""
    model = create_model("Colliding", __base__=Settings, **fields)  # type: ignore[call-overload]

    with pytest.raises(ImproperlyConfigured) as error:
        load_settings(root=project.root, environ={}, model=model)

    assert named in str(error.value)
