"""The six layers, lowest first: their tables merge and their lists replace, unless a Dynaconf
merge token in a file says otherwise (each token: test_tokens.py)."""

from __future__ import annotations

import pytest

LAYERS = [
    ("settings.toml", "default"),
    ("settings.toml", "development"),
    (".secrets.toml", "default"),
    (".secrets.toml", "development"),
    ("settings.local.toml", "default"),
    ("settings.local.toml", "development"),
]
ENV_VARIABLE = "APP_DATABASE__CONNECT_TIMEOUT"


@pytest.mark.parametrize("top", range(len(LAYERS) + 2), ids=lambda top: f"up-to-layer-{top}")
def test_each_layer_beats_the_one_below(project, top) -> None:
    """Layers 1..top set database.connect_timeout to their own number; the top one wins."""
    files: dict[str, dict[str, list[str]]] = {"settings.toml": {"default": [], "development": []}}
    files["settings.toml"]["default"].append('secret_key = "k"')
    for number, (file, table) in enumerate(LAYERS[:top], start=1):
        files.setdefault(file, {}).setdefault(table, []).append(
            f"database.connect_timeout = {number}"
        )
    for file, tables in files.items():
        project.write(
            file, "".join(f"[{t}]\n" + "\n".join(lines) + "\n" for t, lines in tables.items())
        )
    environ = {ENV_VARIABLE: str(top)} if top > len(LAYERS) else {}

    settings = project.load(environ)

    expected_origins = [f"{file} [{table}]" for file, table in LAYERS[:top]]
    if environ:
        expected_origins.append(f"env {ENV_VARIABLE}")
    history = settings.sources.history.get("database.connect_timeout", ())
    assert [a.origin for a in history] == expected_origins
    assert [float(a.value) for a in history] == list(range(1, len(expected_origins) + 1))
    assert settings.database.connect_timeout == (top if top else 5.0)  # 5.0: the schema's
    assert settings.sources.origin("database.connect_timeout") == (
        expected_origins[-1] if expected_origins else None
    )


@pytest.mark.parametrize("variable", ["DB_PORT", "APP_DATABASE__PORT"])
def test_environment_variables_beat_every_file(project, variable) -> None:
    project.write(".secrets.toml", "[development.database]\nport = 1111\n")
    project.write("settings.local.toml", "[development.database]\nport = 2222\n")

    settings = project.load({variable: "3333"})

    assert settings.database.port == 3333
    assert [a.origin for a in settings.sources.history["database.port"]] == [
        "settings.toml [default]",
        ".secrets.toml [development]",
        "settings.local.toml [development]",
        f"env {variable}",
    ]


def test_a_password_in_secrets_keeps_host_and_port_of_settings_toml(project) -> None:
    project.write(".secrets.toml", "[default.database]\npassword = 'pw'\n")

    database = project.load().database

    assert (database.host, database.port, database.username) == ("db.internal", 5432, "app")
    assert database.password.get_secret_value() == "pw"


def test_nested_tables_merge_key_by_key(project) -> None:
    project.write(
        "settings.toml",
        """
        [default]
        secret_key = "k"
        [default.database.pool]
        size = 3
        timeout = 9.0
        [development.database.pool]
        max_overflow = 1
        """,
    )
    project.write("settings.local.toml", "[default.database.pool]\ntimeout = 2.5\n")

    pool = project.load().database.pool

    assert (pool.size, pool.max_overflow, pool.timeout) == (3, 1, 2.5)


def test_the_environment_table_of_secrets_beats_its_default_table(project) -> None:
    project.write(
        ".secrets.toml",
        "[default.database]\npassword = 'a'\n[development.database]\npassword = 'b'\n",
    )

    assert project.load().database.password.get_secret_value() == "b"


def test_lists_replace_never_concatenate(project, production) -> None:
    project.write("settings.local.toml", "[development]\ncors.origins = ['https://a.example']\n")
    project.write(
        "settings.toml",
        """
        [default]
        secret_key = "k"
        allowed_hosts = ["localhost", "127.0.0.1"]
        cors.origins = ["https://default.example"]
        [development]
        [production]
        allowed_hosts = ["example.com"]
        """,
    )

    assert project.load(production).allowed_hosts == ["example.com"]
    assert project.load().cors.origins == ["https://a.example"]
    assert project.load({"APP_ALLOWED_HOSTS": "x.example"}).allowed_hosts == ["x.example"]


def test_an_empty_list_in_a_higher_layer_empties_the_list(project) -> None:
    project.write("settings.local.toml", "[default]\nallowed_hosts = []\n")

    assert project.load().allowed_hosts == []


def test_a_later_table_replaces_an_earlier_value_of_the_same_name(project) -> None:
    project.write(
        "settings.toml",
        """
        [default]
        secret_key = "k"
        database.options = "sslmode=require"
        [development.database.options]
        sslmode = "disable"
        """,
    )

    assert project.load().database.options == {"ssl": "disable"}


def test_a_later_value_replaces_an_earlier_table_and_is_validated(project) -> None:
    project.write(
        "settings.toml",
        """
        [default]
        secret_key = "k"
        [default.database.options]
        application_name = "billing"
        [development]
        database.options = "sslmode=require"
        """,
    )

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == ("database.options", "settings.toml [development]")
    assert "dictionary" in problem.message


def test_settings_toml_alone_gives_the_environment_table_over_default(project) -> None:
    settings = project.load()

    assert settings.debug is True  # [development] over [default]'s schema default
    assert settings.sources.origin("debug") == "settings.toml [development]"


# --- Dynaconf's merge tokens: applied in precedence order, each step in the history ---------


def test_a_token_applies_to_what_every_lower_layer_made_of_the_value(project) -> None:
    project.write(".secrets.toml", '[development]\nallowed_hosts = "@insert 0 first.example"\n')
    project.write("settings.local.toml", '[default]\nallowed_hosts = "@merge last.example"\n')

    settings = project.load()

    assert settings.allowed_hosts == ["first.example", "localhost", "127.0.0.1", "last.example"]
    assert [(a.origin, a.value) for a in settings.sources.history["allowed_hosts"]] == [
        ("settings.toml [default]", ["localhost", "127.0.0.1"]),
        (".secrets.toml [development]", ["first.example", "localhost", "127.0.0.1"]),
        (
            "settings.local.toml [default]",
            ["first.example", "localhost", "127.0.0.1", "last.example"],
        ),
    ]


@pytest.mark.parametrize("variable", [None, "DB_PORT"])
def test_a_deleted_key_can_be_set_again_by_a_higher_layer(project, variable) -> None:
    project.write(".secrets.toml", '[default.database]\nport = "@del"\n')
    project.write("settings.local.toml", "[development.database]\nport = 7000\n")
    environ = {variable: "8000"} if variable else {}

    settings = project.load(environ)

    expected = [
        ("settings.toml [default]", 5432),
        (".secrets.toml [default]", None),
        ("settings.local.toml [development]", 7000),
    ]
    if variable:
        expected.append((f"env {variable}", "8000"))
    assert [(a.origin, a.value) for a in settings.sources.history["database.port"]] == expected
    assert settings.database.port == (8000 if variable else 7000)


def test_a_table_deleted_in_one_environment_table_leaves_the_others(project) -> None:
    project.write(".secrets.toml", '[testing]\ndatabase = "@del"\n')

    assert project.load(env="testing").database.host == "localhost"  # the schema's
    assert project.load(env="development").database.host == "db.internal"
