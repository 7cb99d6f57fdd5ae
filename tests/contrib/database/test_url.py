"""settings/database_url.py: DATABASE_URL taken apart into the database fields."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url


@pytest.mark.parametrize(
    ("scheme", "driver"),
    [
        ("postgresql", "postgresql+asyncpg"),
        ("postgres", "postgresql+asyncpg"),
        ("postgresql+asyncpg", "postgresql+asyncpg"),
        ("POSTGRESQL", "postgresql+asyncpg"),
        ("sqlite", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite", "sqlite+aiosqlite"),
    ],
)
def test_accepted_schemes_are_normalised_to_the_async_drivers(project, scheme, driver) -> None:
    database = project.load({"DATABASE_URL": f"{scheme}:///name"}).database

    assert database.driver == driver
    assert database.url.drivername == driver


def test_every_part_of_a_postgresql_url_sets_its_field(project) -> None:
    url = "postgres://us%40er:p%2Fw@db.example.com:6543/d%2Fb?sslmode=require&connect_timeout=7"

    database = project.load({"DATABASE_URL": url}).database

    assert (database.username, database.host, database.port, database.database) == (
        "us@er",
        "db.example.com",
        6543,
        "d/b",
    )
    assert database.password.get_secret_value() == "p/w"
    assert database.options == {"ssl": "require"}
    assert database.connect_timeout == 7


@pytest.mark.parametrize("option", ["gssencmode=disable", "krbsrvname=x", "passfile=p"])
def test_an_option_asyncpg_would_refuse_is_an_error_at_load_not_at_connect(project, option) -> None:
    [problem] = project.error({"DATABASE_URL": f"postgresql://db/app?{option}"}).problems

    assert (problem.key, problem.origin) == ("database.options", "env DATABASE_URL")
    assert f"unsupported option {option.partition('=')[0]}" in problem.message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://db.example.com", ("db.example.com", 5432, "app", "app", "")),
        ("postgresql:///other", ("db.internal", 5432, "app", "other", "")),
        ("postgresql://:6543", ("db.internal", 6543, "app", "app", "")),
        ("postgresql://reader:pw@/", ("db.internal", 5432, "reader", "app", "pw")),
    ],
)
def test_database_url_sets_only_the_parts_it_contains(project, url, expected) -> None:
    project.write(".secrets.toml", "[default.database]\npassword = ''\n")

    database = project.load({"DATABASE_URL": url}).database

    password = database.password.get_secret_value()
    assert (database.host, database.port, database.username, database.database, password) == (
        expected
    )
    assert database.driver == "postgresql+asyncpg"


@pytest.mark.parametrize(
    "url",
    [
        "mysql://user:s3cr3t@h/db",
        "postgresql+psycopg://user:s3cr3t@h/db",
        "redis://:s3cr3t@h:6379",
        "http://u@h/db?password=s3cr3t&x=1",
        "mysql://u@h/db?password=s3cr3t@x",  # an @ in the query is no user information
        "s3cr3t",
        "postgresql:/user:s3cr3t@h/db",
    ],
)
def test_another_scheme_is_an_error_showing_the_url_with_its_password_masked(project, url) -> None:
    error = project.error({"DATABASE_URL": url})

    [problem] = error.problems
    assert (problem.key, problem.origin) == ("database", "env DATABASE_URL")
    assert "unsupported scheme" in problem.message
    assert "postgresql://" in problem.message  # says which schemes are accepted
    assert "s3cr3t" not in str(error)
    assert "s3cr3t" not in repr(error.problems)
    if url.startswith("mysql://user"):
        assert "mysql://user:**********@h/db" in problem.message
    if url.startswith("mysql://u@"):
        assert "mysql://u@h/db?password=**********" in problem.message


@pytest.mark.parametrize("mode", ["disable", "require", "verify-ca", "verify-full"])
def test_libpq_sslmode_is_translated_to_asyncpg_ssl(project, mode) -> None:
    database = project.load({"DATABASE_URL": f"postgresql://h/db?sslmode={mode}"}).database

    assert database.options == {"ssl": mode}
    assert dict(database.url.query) == {"ssl": mode}


@pytest.mark.parametrize(
    ("query", "message"),
    [("sslmode=sometimes", "ssl must be one of"), ("sslmode=require&ssl=disable", "both")],
)
def test_an_invalid_ssl_option_is_an_error(project, query, message) -> None:
    [problem] = project.error({"DATABASE_URL": f"postgresql://h/db?{query}"}).problems

    assert (problem.key, problem.origin) == ("database.options", "env DATABASE_URL")
    assert message in problem.message


def test_libpq_query_parameters_for_the_connection_fill_their_fields(project) -> None:
    url = "postgresql:///?host=/var/run/postgresql&port=5433&user=u&password=s3cr3t&dbname=d"

    settings = project.load({"DATABASE_URL": url})

    database = settings.database
    assert (database.host, database.port, database.username, database.database) == (
        "/var/run/postgresql",
        5433,
        "u",
        "d",
    )
    assert database.password.get_secret_value() == "s3cr3t"
    assert database.options == {}
    assert "s3cr3t" not in str(database.url)
    assert "s3cr3t" not in repr(settings)


def test_a_socket_directory_host_gives_a_url_that_round_trips(project) -> None:
    database = project.load({"DATABASE_URL": "postgresql://u:pw@/db?host=/run/postgresql"}).database

    rendered = database.url.render_as_string(hide_password=False)

    assert make_url(rendered) == database.url
    assert make_url(rendered).query["host"] == "/run/postgresql"
    assert make_url(rendered).database == "db"


def test_an_ipv6_host(project) -> None:
    database = project.load({"DATABASE_URL": "postgresql://u@[::1]:5433/db"}).database

    assert (database.host, database.port) == ("::1", 5433)
    assert "@[::1]:5433/" in database.url.render_as_string()


@pytest.mark.parametrize(
    ("url", "key", "message"),
    [
        ("postgresql://[::1/db", "database", "malformed IPv6"),
        ("postgresql://h:port/db", "database.port", "whole number"),
        ("postgresql://h:70000/db", "database.port", "less than or equal to 65535"),
        ("postgresql://bad_host!/db", "database.host", "neither a hostname"),
    ],
)
def test_a_malformed_url_is_an_error_about_the_part(project, url, key, message) -> None:
    [problem] = project.error({"DATABASE_URL": url}).problems

    assert (problem.key, problem.origin) == (key, "env DATABASE_URL")
    assert message in problem.message


@pytest.mark.parametrize(
    ("url", "database"),
    [
        ("sqlite:////srv/data/app.sqlite3", "/srv/data/app.sqlite3"),
        ("sqlite+aiosqlite:////srv/data/app.sqlite3", "/srv/data/app.sqlite3"),
        ("sqlite://", ":memory:"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_sqlite_urls(project, url, database) -> None:
    settings = project.load({"DATABASE_URL": url})

    assert settings.database.database == database
    assert settings.database.url.database == database
    assert settings.database.is_sqlite


def test_a_relative_sqlite_path_is_relative_to_the_settings_directory(project, tmp_path) -> None:
    database = project.load({"DATABASE_URL": "sqlite:///app.sqlite3"}).database

    assert database.database == str(tmp_path.resolve() / "app.sqlite3")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://u:Zq-SECRET-9@/x.db",  # SQLite takes no user information
        "postgresql://u:Zq-SECRET-9",  # no host: the password would be read as the port
        "postgresql://u@[::1/db?pass%77ord=Zq-SECRET-9",  # an escaped query name is a password
        "postgresql://u@[::1/db?PASSWORD=Zq-SECRET-9",
    ],
)
def test_a_malformed_url_never_shows_its_password(project, url) -> None:
    error = project.error({"DATABASE_URL": url})

    assert error.problems
    assert "SECRET" not in str(error) + repr(error.problems)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db?password=p@ss", ("u", "h", "db", "p@ss")),
        ("postgresql://h/db?user=alice@corp&password=pw", ("alice@corp", "h", "db", "pw")),
        ("postgresql://u:p/w@h/db", ("u", "h", "db", "p/w")),  # a raw / in a password works
        ("postgresql://u:p@ss/w:rd@h/db?sslmode=require", ("u", "h", "db", "p@ss/w:rd")),
        ("postgresql://u:p@ss@h:5433/db?password=p@ss", ("u", "h", "db", "p@ss")),
    ],
)
def test_the_user_information_ends_at_the_last_at_sign_before_the_query(project, url, expected):
    database = project.load({"DATABASE_URL": url}).database

    password = database.password.get_secret_value()
    assert (database.username, database.host, database.database, password) == expected


def test_an_at_sign_in_an_option_is_the_option_s_not_the_host_s(project) -> None:
    [problem] = project.error({"DATABASE_URL": "postgresql://u:pw@h/db?sslmode=a@b"}).problems

    assert (problem.key, problem.origin) == ("database.options", "env DATABASE_URL")
    assert "ssl must be one of" in problem.message


@pytest.mark.parametrize(
    "password",
    [
        "Zq1x?Wv2y",
        "Zq1x#Wv2y",
        "Zq1x?W=v2y",  # reads as a query W=v2y@h...: told apart as Zq1x is no port
        "Zq1x?W=v&2y",
        "Zq1x@Wv2y?",
        "Zq1x/@?Wv2y",
        "?Zq1xWv2y",
    ],
)
def test_a_raw_question_mark_or_hash_in_the_password_is_an_error_saying_to_encode_it(
    project, password
) -> None:
    error = project.error({"DATABASE_URL": f"postgresql://u:{password}@h:5432/db"})

    [problem] = error.problems
    assert (problem.key, problem.origin) == ("database", "env DATABASE_URL")
    assert "percent-encode a '?' in the password as %3F and a '#' as %23" in problem.message
    shown = str(error) + repr(error.problems)
    assert "Zq1x" not in shown
    assert "Wv2y" not in shown


@pytest.mark.parametrize("password", ["Zq1x?Wv2y", "Zq1x#Wv2y", "p@ss:w/rd?#%&+=~"])
def test_the_same_password_percent_encoded_loads(project, password) -> None:
    encoded = quote(password, safe="")

    database = project.load({"DATABASE_URL": f"postgresql://u:{encoded}@h:5432/db"}).database

    assert database.password.get_secret_value() == password
    assert (database.host, database.database) == ("h", "db")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("postgresql://h/db?sslmode=require&sslmode=disable", "database.options.sslmode"),
        ("postgresql://u:Zq1xPw@h/db?password=Wv2yPw", "database.password"),
        ("postgresql://u@h/db?password=Zq1xPw&pass%77ord=Wv2yPw", "database.password"),
        ("postgresql://u:pw@h1/db?host=h2", "database.host"),
        ("postgresql://u:pw@h/db?user=v", "database.username"),
        ("postgresql://u:pw@h:5432/db?port=5433", "database.port"),
        ("postgresql://u:pw@h/db?dbname=other", "database.database"),
        ("postgresql://h/db?connect_timeout=5&connect_timeout=50", "database.connect_timeout"),
    ],
)
def test_a_part_given_twice_with_different_values_is_an_error_naming_it(project, url, key):
    error = project.error({"DATABASE_URL": url})

    [problem] = error.problems
    assert (problem.key, problem.origin) == ("database", "env DATABASE_URL")
    assert problem.message.startswith(f"DATABASE_URL sets {key} twice, to different values")
    assert "Zq1x" not in str(error) + repr(error.problems)
    assert "Wv2y" not in str(error) + repr(error.problems)


def test_a_part_given_twice_with_the_same_value_is_fine(project) -> None:
    url = "postgresql://u:pw@h:5433/db?password=pw&port=5433&sslmode=require&sslmode=require"

    database = project.load({"DATABASE_URL": url}).database

    assert (database.port, database.options) == (5433, {"ssl": "require"})
    assert database.password.get_secret_value() == "pw"


# Issue 11, item 11: the socket directory is part of the target ``show`` prints.
def test_show_prints_the_socket_directory_the_app_connects_to(project) -> None:
    url = "postgresql://app:pw@/appdb?host=/run/postgresql&sslmode=disable"
    settings = project.load({"DATABASE_URL": url})

    shown = settings.database.shown_extras(frozenset())["url"]

    assert shown == (
        "postgresql+asyncpg://app:**********@:5432/appdb?host=/run/postgresql&ssl=disable"
    )
    assert make_url(shown).query["host"] == "/run/postgresql"


# Issue 11, item 12: a SQLite file name is no PostgreSQL database name.
SQLITE_DEVELOPMENT = """
[default]
secret_key = "development-key-not-for-production"

[development.database]
driver = "sqlite+aiosqlite"
database = "development.sqlite3"

[testing]
"""


@pytest.mark.parametrize("url", ["postgresql://u:pw@db.example/", "postgresql://u:pw@db.example"])
def test_a_url_without_a_database_does_not_inherit_another_drivers_file(project, url) -> None:
    project.write("settings.toml", SQLITE_DEVELOPMENT)

    [problem] = project.error({"DATABASE_URL": url}, env="development").problems

    assert (problem.key, problem.origin) == ("database.database", "env DATABASE_URL")
    assert "names no database" in problem.message
    assert "'development.sqlite3' (settings.toml [development]) is a sqlite+aiosqlite" in (
        problem.message
    )
    assert "pw" not in str(problem)


def test_a_url_without_a_database_takes_it_from_db_database_or_a_postgresql_layer(
    project,
) -> None:
    project.write("settings.toml", SQLITE_DEVELOPMENT)
    url = "postgresql://u:pw@db.example"

    from_variable = project.load({"DATABASE_URL": url, "DB_DATABASE": "orders"}, "development")
    from_default = project.load({"DATABASE_URL": url}, env="testing")  # no driver of its own

    assert from_variable.database.database == "orders"
    assert from_default.database.database == "app"  # the schema default, for PostgreSQL
