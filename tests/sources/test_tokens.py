"""settings/loader/tokens.py and marks.py: Dynaconf's tokens and ``dynaconf_merge`` marks in the
TOML files, as a user sees them through ``load_settings``: the value, and the history that
``explain`` reads. Values from environment variables never pass through them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from settings import ImproperlyConfigured, load_settings
from settings.cli import main
from tests.support.project import BASE_SETTINGS_TOML

# --- tokens that compute a value -----------------------------------------------------------


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
        database = "@get database.options.application_name"
        """,
    )

    database = project.load(
        {"DB_HOST": "envhost", "APP_DATABASE__OPTIONS__APPLICATION_NAME": "@format {env[HOME]}"}
    ).database

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


@pytest.mark.parametrize("token", ["@int", "@float", "@json"])
def test_a_failing_token_never_quotes_a_secret_it_read_into_another_key(project, token) -> None:
    """A pull request that edits settings.toml must not get a secret into CI's log: the
    token's error names what failed, and masks what it read (issue 16, item 1)."""
    project.write(
        "settings.toml",
        "[default]\n[development]\n[production.database.pool]\n"
        f'size = "{token} @format {{this.secret_key}}"\n',
    )
    key = "prod-key-0123456789abcdef0123456789abcdef"

    error = project.error({"SECRET_KEY": key}, env="production")

    [problem] = [p for p in error.problems if p.key == "database.pool.size"]
    assert problem.message.startswith(f"cannot evaluate {token}")
    assert key not in str(error)


def test_a_string_starting_with_at_that_is_no_token_stays_as_written(project) -> None:
    project.write(".secrets.toml", '[default.database]\npassword = "@not-a-token"\n')

    assert project.load().database.password.get_secret_value() == "@not-a-token"


def test_auto_cast_for_dynaconf_in_os_environ_does_not_disable_tokens(project, monkeypatch) -> None:
    monkeypatch.setenv("AUTO_CAST_FOR_DYNACONF", "false")
    _with_default(project, 'secret_key = "k"\n[default.database]\nport = "@int 6543"')

    assert project.load().database.port == 6543


def test_jinja_reads_this_and_the_injected_environment(project, monkeypatch) -> None:
    monkeypatch.setenv("REGION", "from-os-environ")
    project.write(
        "settings.local.toml",
        """
        [default.database]
        username = "@jinja {{ this.database.host }}-{{ env.REGION }}"
        database = "@jinja {{ this.database.host | upper }}"
        """,
    )

    database = project.load({"REGION": "eu"}).database

    assert (database.username, database.database) == ("db.internal-eu", "DB.INTERNAL")


def test_jinja_in_secrets_reads_an_environment_variable_as_text(project) -> None:
    project.write(".secrets.toml", '[default]\nsecret_key = "@jinja {{ env.SEED }}-key"\n')

    settings = project.load({"SEED": "{{ 7 * 7 }}"})

    assert settings.secret_key.get_secret_value() == "{{ 7 * 7 }}-key"


def test_read_file_reads_the_named_file(project) -> None:
    path = project.secret_file("password.txt", "from-a-file")
    project.write(".secrets.toml", f'[default.database]\npassword = "@read_file {path}"\n')

    assert project.load().database.password.get_secret_value() == "from-a-file"


def test_read_file_refuses_a_file_over_the_cap_of_file_variables_without_reading_it(
    project,
) -> None:
    """64 KiB, as for ``DB_PASSWORD_FILE``; the error names the key, the file and the cap."""
    path = project.root / "huge.txt"
    with path.open("wb") as huge:  # sparse: no disk written, but 300 MB to read whole
        huge.truncate(300 * 1024 * 1024)
    project.write(".secrets.toml", f'[default]\nlog_level = "@read_file {path}"\n')

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == ("log_level", ".secrets.toml [default]")
    assert problem.message == f"cannot evaluate @read_file: {path} is larger than 64 KiB"


def test_read_file_reads_a_file_of_exactly_the_cap(project) -> None:
    path = project.secret_file("key.txt", "k" * 64 * 1024)
    project.write(".secrets.toml", f'[default]\nsecret_key = "@read_file {path}"\n')

    assert project.load().secret_key.get_secret_value() == "k" * 64 * 1024


def test_read_file_refuses_a_fifo_instead_of_waiting_for_a_writer(project) -> None:
    path = project.root / "pipe"
    os.mkfifo(path)
    project.write(".secrets.toml", f'[default]\nlog_level = "@read_file {path}"\n')

    [problem] = project.error().problems

    assert problem.key == "log_level"
    assert "a FIFO (named pipe), not a regular file" in problem.message


@pytest.mark.parametrize(
    ("token", "expected"),
    [('@read_file \\"{path}\\" warning', "error"), ("@read_file {missing} warning", "warning")],
)
def test_read_file_takes_a_quoted_path_and_a_default_as_dynaconf_does(
    project, token, expected
) -> None:
    path = project.secret_file("level with space.txt", "error")
    missing = project.root / "missing.txt"
    text = token.format(path=path, missing=missing)
    project.write(".secrets.toml", f'[default]\nlog_level = "{text}"\n')

    assert project.load().log_level == expected


# --- @del and @empty: back to the schema default -------------------------------------------


@pytest.mark.parametrize("token", ["@del", "@empty"])
@pytest.mark.parametrize("file", [".secrets.toml", "settings.local.toml"])
def test_del_and_empty_drop_what_lower_layers_set(project, file, token) -> None:
    project.write(file, f'[development.database]\nport = "{token}"\nhost = "{token}"\n')

    settings = project.load()

    assert (settings.database.port, settings.database.host) == (5432, "localhost")  # the schema's
    assert [(a.origin, a.value) for a in settings.sources.history["database.port"]] == [
        ("settings.toml [default]", 5432),
        (f"{file} [development]", None),
    ]
    assert [a.removed for a in settings.sources.history["database.port"]] == [False, True]
    assert settings.sources.origin("database.port") is None  # the value is the schema's


def test_del_in_an_environment_table_beats_its_default_table(project) -> None:
    project.write(
        ".secrets.toml", '[default]\nlog_level = "error"\n[development]\nlog_level = "@del"\n'
    )

    assert project.load().log_level == "info"


def test_del_drops_a_whole_table(project) -> None:
    project.write("settings.local.toml", "[default.database]\npool.size = 9\npool.timeout = 2.0\n")
    project.write(".secrets.toml", '[default]\ndatabase = "@del"\n')

    database = project.load().database

    assert (database.host, database.port, database.username) == ("localhost", 5432, "postgres")
    assert (database.pool.size, database.pool.timeout) == (9, 2.0)  # set above the @del


def test_a_required_key_deleted_is_reported_missing(project) -> None:
    project.write("settings.local.toml", '[default]\nsecret_key = "@del"\n')

    [problem] = project.error().problems

    assert problem.key == "secret_key"
    assert "is required" in problem.message


def test_explain_shows_the_layer_that_deleted_a_key(project, capsys) -> None:
    project.write("settings.local.toml", '[default.database]\nport = "@del"\n')

    code = main(["explain", "database.port", "--root", str(project.root)], environ={})

    out = capsys.readouterr().out
    assert code == 0
    assert "settings.toml [default]        5432" in out
    assert "settings.local.toml [default]  (not set)  <- wins" in out
    assert "value: 5432" in out


# --- @merge, @merge_unique, @insert: lists grow ----------------------------------------------


@pytest.mark.parametrize(
    "value",
    ['"@merge example.com"', '"@merge [\\"example.com\\"]"', "['example.com', 'dynaconf_merge']"],
    ids=["token", "token-array", "list-mark"],
)
@pytest.mark.parametrize("file", [".secrets.toml", "settings.local.toml"])
def test_merge_appends_to_the_list_below(project, file, value) -> None:
    project.write(file, f"[development]\nallowed_hosts = {value}\n")

    settings = project.load()

    assert settings.allowed_hosts == ["localhost", "127.0.0.1", "example.com"]
    assert [(a.origin, a.value) for a in settings.sources.history["allowed_hosts"]] == [
        ("settings.toml [default]", ["localhost", "127.0.0.1"]),
        (f"{file} [development]", ["localhost", "127.0.0.1", "example.com"]),
    ]


def test_merge_takes_comma_separated_items(project) -> None:
    project.write(".secrets.toml", '[default]\nallowed_hosts = "@merge a.example,b.example"\n')

    assert project.load().allowed_hosts == ["localhost", "127.0.0.1", "a.example", "b.example"]


def test_merge_appends_to_the_schema_default_when_no_file_sets_the_list(project) -> None:
    project.write("settings.local.toml", '[default.cors]\nallow_methods = "@merge OPTIONS"\n')

    methods = project.load().cors.allow_methods

    assert methods == ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def test_merges_stack_across_files(project) -> None:
    project.write(".secrets.toml", '[default]\nallowed_hosts = "@merge a.example"\n')
    project.write("settings.local.toml", '[development]\nallowed_hosts = "@merge b.example"\n')

    hosts = project.load().allowed_hosts

    assert hosts == ["localhost", "127.0.0.1", "a.example", "b.example"]


def test_an_environment_variable_still_replaces_a_merged_list(project) -> None:
    project.write(".secrets.toml", '[default]\nallowed_hosts = "@merge a.example"\n')

    assert project.load({"APP_ALLOWED_HOSTS": "x.example"}).allowed_hosts == ["x.example"]


@pytest.mark.parametrize(
    "value",
    [
        '"@merge_unique [\\"c.example\\", \\"b.example\\"]"',
        "['c.example', 'b.example', 'dynaconf_merge_unique']",
    ],
    ids=["token", "list-mark"],
)
def test_merge_unique_leaves_out_repeated_items_in_dynaconfs_order(project, value) -> None:
    project.write(".secrets.toml", "[default]\nallowed_hosts = ['a.example', 'b.example']\n")
    project.write("settings.local.toml", f"[default]\nallowed_hosts = {value}\n")

    # As Dynaconf documents it: no repeats, the new items' order wins ("b" moves to the end).
    assert project.load().allowed_hosts == ["a.example", "c.example", "b.example"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("@insert 0 first.example", ["first.example", "localhost", "127.0.0.1"]),
        ("@insert 1 middle.example", ["localhost", "middle.example", "127.0.0.1"]),
        ("@insert 2 last.example", ["localhost", "127.0.0.1", "last.example"]),
        ("@insert -1 before-last.example", ["localhost", "before-last.example", "127.0.0.1"]),
        ("@insert no-index.example", ["no-index.example", "localhost", "127.0.0.1"]),
    ],
)
def test_insert_puts_an_item_at_an_index_of_the_list_below(project, value, expected) -> None:
    project.write(".secrets.toml", f'[development]\nallowed_hosts = "{value}"\n')

    settings = project.load()

    assert settings.allowed_hosts == expected
    assert settings.sources.history["allowed_hosts"][-1].value == expected


@pytest.mark.parametrize("index", [3, -3])
def test_an_insert_index_out_of_range_is_reported(project, index) -> None:
    project.write(
        "settings.local.toml", f'[default]\nallowed_hosts = "@insert {index} x.example"\n'
    )

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == ("allowed_hosts", "settings.local.toml [default]")
    assert problem.message == f"@insert: index {index} is out of range for the 2 items below"


@pytest.mark.parametrize("token", ["@merge error", "@insert 0 error"])
def test_merging_into_a_value_that_is_no_list_replaces_it_as_dynaconf_does(project, token) -> None:
    """The list replaces the text below (Dynaconf's result); the field's type then judges it."""
    project.write("settings.local.toml", f'[default]\nlog_level = "{token}"\n')

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == ("log_level", "settings.local.toml [default]")
    assert problem.message.startswith("Input should be 'debug', 'info'")


def test_a_list_written_as_a_token_below_is_merged_into(project) -> None:
    project.write(".secrets.toml", "[default]\nallowed_hosts = '@json [\"a.example\"]'\n")
    project.write("settings.local.toml", '[default]\nallowed_hosts = "@insert 1 b.example"\n')

    assert project.load().allowed_hosts == ["a.example", "b.example"]


def test_items_merged_in_are_evaluated(project) -> None:
    project.write(
        "settings.local.toml",
        "[default]\nallowed_hosts = ['@format {env[HOST]}', 'dynaconf_merge']\n"
        '[default.cors]\norigins = "@insert 0 @format https://{env[HOST]}"\n',
    )

    settings = project.load({"HOST": "example.org"})

    assert settings.allowed_hosts == ["localhost", "127.0.0.1", "example.org"]
    assert settings.cors.origins == ["https://example.org"]


def test_this_sees_a_merged_list(project) -> None:
    project.write(
        "settings.local.toml",
        '[default]\nallowed_hosts = "@merge example.com"\n'
        '[default.database]\nusername = "@jinja {{ this.allowed_hosts | last }}"\n',
    )

    assert project.load().database.username == "example.com"


# --- @merge of a table, @reset, dynaconf_merge = true|false: tables -------------------------


def test_merge_of_a_table_merges_its_keys(project) -> None:
    project.write(
        "settings.local.toml", "[default]\ndatabase = '@merge {PORT = 7000, pool = {size = 3}}'\n"
    )

    settings = project.load()

    assert (settings.database.host, settings.database.port) == ("db.internal", 7000)
    assert settings.database.pool.size == 3
    assert settings.sources.origin("database.port") == "settings.local.toml [default]"


def test_merge_of_key_value_pairs_into_driver_options(project) -> None:
    project.write(".secrets.toml", "[default.database.options]\nsslmode = 'require'\n")
    project.write("settings.local.toml", "[default.database]\noptions = '@merge ssl=require'\n")

    assert project.load().database.options == {"ssl": "require"}


def test_an_unknown_key_merged_in_is_reported_with_its_table_even_when_inactive(project) -> None:
    project.write("settings.local.toml", "[production]\ndatabase = '@merge {hots = \"h\"}'\n")

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == ("database.hots", "settings.local.toml [production]")
    assert "did you mean database.host?" in problem.message


def test_reset_replaces_a_table_instead_of_merging_into_it(project) -> None:
    project.write(".secrets.toml", "[default.database.pool]\nsize = 3\ntimeout = 9.0\n")
    project.write("settings.local.toml", "[default.database]\npool = '@reset {size = 4}'\n")

    settings = project.load()

    assert (settings.database.pool.size, settings.database.pool.timeout) == (4, 30.0)
    assert [(a.origin, a.value) for a in settings.sources.history["database.pool.timeout"]] == [
        (".secrets.toml [default]", 9.0),
        ("settings.local.toml [default]", None),
    ]


def test_reset_of_a_list_or_a_value_replaces_it(project) -> None:
    project.write(
        ".secrets.toml",
        "[default]\nallowed_hosts = '@reset [\"x.example\"]'\nlog_level = '@reset error'\n",
    )

    settings = project.load()

    assert (settings.allowed_hosts, settings.log_level) == (["x.example"], "error")


def test_dynaconf_merge_true_in_a_table_merges_its_lists(project) -> None:
    project.write(".secrets.toml", "[default.cors]\norigins = ['https://a.example']\n")
    project.write(
        "settings.local.toml",
        """
        [default.cors]
        dynaconf_merge = true
        origins = ['https://b.example']
        allow_credentials = true
        """,
    )

    cors = project.load().cors

    assert cors.origins == ["https://a.example", "https://b.example"]
    assert cors.allow_credentials is True


@pytest.mark.parametrize("where", ["file", "table"])
def test_dynaconf_merge_true_for_a_whole_file_or_environment(project, where) -> None:
    body = "[development]\nallowed_hosts = ['example.com']\n"
    if where == "file":
        body = "dynaconf_merge = true\n" + body
    else:
        body += "dynaconf_merge = true\n"
    project.write("settings.local.toml", body)

    assert project.load().allowed_hosts == ["localhost", "127.0.0.1", "example.com"]


def test_dynaconf_merge_short_form_merges_its_value(project) -> None:
    project.write(
        "settings.local.toml",
        "[default.allowed_hosts]\ndynaconf_merge = ['example.com']\n"
        "[default.database]\ndynaconf_merge = {port = 7000}\n",
    )

    settings = project.load()

    assert settings.allowed_hosts == ["localhost", "127.0.0.1", "example.com"]
    assert (settings.database.host, settings.database.port) == ("db.internal", 7000)


@pytest.mark.parametrize("where", ["table", "environment"])
def test_dynaconf_merge_false_replaces_a_table(project, where) -> None:
    project.write(".secrets.toml", "[default.database.pool]\nsize = 3\ntimeout = 9.0\n")
    if where == "table":
        body = "[default.database.pool]\ndynaconf_merge = false\nsize = 4\n"
    else:  # each table directly in the environment table is replaced
        body = "[default]\ndynaconf_merge = false\ndatabase = {port = 7000}\n"
    project.write("settings.local.toml", body)

    database = project.load().database

    if where == "table":
        assert (database.host, database.pool.size, database.pool.timeout) == (
            "db.internal",
            4,
            30.0,
        )
    else:
        assert (database.host, database.port, database.pool.size) == ("localhost", 7000, 5)


@pytest.mark.parametrize(
    "body",
    [
        "[default.database]\ndynaconf_merge = 'yes'\nport = 1\n",
        "[default.database]\ndynaconf_merge = true\ndynaconf_merge_unique = true\n",
    ],
    ids=["not-a-flag", "both"],
)
def test_a_dynaconf_merge_that_means_nothing_is_reported(project, body) -> None:
    project.write(".secrets.toml", body)

    [problem] = project.error().problems

    assert problem.key.startswith("database.dynaconf_merge")
    assert problem.origin == ".secrets.toml [default]"


def test_without_a_mark_tables_still_merge_and_lists_still_replace(project) -> None:
    project.write(
        "settings.local.toml", "[default]\nallowed_hosts = ['x.example']\ndatabase.port = 7000\n"
    )

    settings = project.load()

    assert settings.allowed_hosts == ["x.example"]
    assert (settings.database.host, settings.database.port) == ("db.internal", 7000)


# --- errors never show a secret; environment values stay literal ----------------------------


def test_a_failing_merge_token_of_a_secret_does_not_show_the_secret(project) -> None:
    project.write(".secrets.toml", "[default.database]\npassword = '@insert \"s3cr3t-value'\n")

    error = project.error()

    assert [(p.key, p.message) for p in error.problems] == [
        ("database.password", "cannot evaluate @insert")
    ]
    assert "s3cr3t-value" not in str(error)


TOKENS = [
    "@del",
    "@empty",
    "@merge a,b",
    "@merge_unique a",
    "@insert 0 x",
    "@reset {a = 1}",
    "@jinja {{ env.HOME }}",
    "@format {env[HOME]}",
    "@int 5",
]


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("variable", ["DB_PASSWORD", "SECRET_KEY", "DB_DATABASE"])
def test_tokens_in_environment_variables_stay_literal(project, variable, token) -> None:
    settings = project.load({variable: token})

    values = {
        "DB_PASSWORD": settings.database.password.get_secret_value(),
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "DB_DATABASE": settings.database.database,
    }
    assert values[variable] == token
    assert settings.sources.history[_key(variable)][-1].value == token


@pytest.mark.parametrize("token", TOKENS)
def test_tokens_in_a_secret_file_stay_literal(project, token) -> None:
    path = project.secret_file("password", token + "\n")

    settings = project.load({"DB_PASSWORD_FILE": path})

    assert settings.database.password.get_secret_value() == token


def test_a_list_variable_with_a_merge_mark_is_not_merged(project) -> None:
    settings = project.load({"APP_ALLOWED_HOSTS": "dynaconf_merge,x.example"})

    assert settings.allowed_hosts == ["dynaconf_merge", "x.example"]


def _key(variable: str) -> str:
    return {"DB_PASSWORD": "database.password", "SECRET_KEY": "secret_key"}.get(
        variable, "database.database"
    )


# --- Dynaconf is imported only for the tokens it evaluates -----------------------------------


def test_marks_and_del_do_not_import_dynaconf(project) -> None:
    project.write(
        "settings.local.toml",
        "[default]\nallowed_hosts = ['x.example', 'dynaconf_merge']\nlog_level = '@del'\n",
    )
    script = (
        "import json, sys; from settings import load_settings; "
        f"s = load_settings(root={str(project.root)!r}, environ={{}}); "
        "print(json.dumps([s.allowed_hosts, 'dynaconf' in sys.modules]))"
    )
    environ = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")}

    completed = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, check=True
    )

    assert json.loads(completed.stdout) == [["localhost", "127.0.0.1", "x.example"], False]


# --- as Dynaconf does them (issue 12; tests/settings/test_dynaconf_compat.py compares) ------


def test_this_current_env_is_the_environment_being_loaded(project, production) -> None:
    project.write(
        ".secrets.toml",
        '[default.database]\nusername = "@format app_{this.current_env}"\n'
        'database = "@jinja {{ this.current_env }}_db"\n',
    )

    database = project.load(production).database

    assert (database.username, database.database) == ("app_production", "production_db")


def test_this_indexes_a_list(project) -> None:
    project.write(
        ".secrets.toml",
        "[default]\nallowed_hosts = ['a.example', 'b.example']\n[default.database]\n"
        'username = "@format {this.allowed_hosts[1]}"\n'
        'database = "@jinja {{ this.allowed_hosts[0] }}"\n',
    )

    database = project.load().database

    assert (database.username, database.database) == ("b.example", "a.example")


def test_tokens_inside_a_merge_stay_text_as_in_dynaconf(project) -> None:
    project.write(
        ".secrets.toml",
        "[default]\ndatabase = \"@merge {username = '@format {env[HOST]}'}\"\n"
        "allowed_hosts = \"@merge ['@format {env[HOST]}']\"\n",
    )

    error = project.error({"HOST": "example.org"})
    settings = project.load({"HOST": "example.org", "APP_ALLOWED_HOSTS": "x.example"})

    assert [p.key for p in error.problems] == ["allowed_hosts"]  # '@format ...': no host name
    assert settings.database.username == "@format {env[HOST]}"
    assert settings.database.host == "db.internal"  # merged into, not replaced


@pytest.mark.parametrize(
    ("file", "key", "origin"),
    [
        (
            "[default.cors]\ndynaconf_merge_unique = true\norigins = []\n",
            "cors.dynaconf_merge_unique",
            ".secrets.toml [default]",
        ),
        (
            "[default]\ndynaconf_merge_unique = true\n",
            "dynaconf_merge_unique",
            ".secrets.toml [default]",
        ),
        ("dynaconf_merge_unique = true\n[default]\n", "dynaconf_merge_unique", ".secrets.toml"),
        (
            "[default.allowed_hosts]\ndynaconf_merge_unique = ['x.example']\n",
            "allowed_hosts.dynaconf_merge_unique",
            ".secrets.toml [default]",
        ),
    ],
    ids=["table", "environment", "file", "short-form"],
)
def test_dynaconf_merge_unique_as_a_table_key_is_refused_saying_what_to_write(
    project, file, key, origin
) -> None:
    project.write(".secrets.toml", file)

    [problem] = project.error().problems

    assert (problem.key, problem.origin) == (key, origin)
    assert "write dynaconf_merge = true, or mark the list" in problem.message


# A template Jinja's sandbox refuses is a load error, not an empty string.


@pytest.mark.parametrize(
    "template",
    ["{{ ''.__class__ }}", "{{ ''.__class__.__mro__ }}", "{{ this.__class__.mro() }}"],
)
def test_a_sandbox_blocked_template_is_an_error_naming_key_file_and_table(
    tmp_path: Path, template: str
) -> None:
    toml = BASE_SETTINGS_TOML.replace(
        "[default.database]\n", f'[default.database]\nusername = "@jinja {template}"\n'
    )
    (tmp_path / "settings.toml").write_text(toml, encoding="utf-8")

    with warnings.catch_warnings():  # as in a process where warnings are not errors
        warnings.simplefilter("ignore")
        with pytest.raises(ImproperlyConfigured) as caught:
            load_settings("testing", root=tmp_path, environ={})

    [problem] = caught.value.problems
    assert (problem.key, problem.origin) == ("database.username", "settings.toml [default]")
    assert problem.message.startswith("cannot evaluate @jinja: refused by Jinja's sandbox")


# --- a secret read into a setting that is not secret (issue 16, item 6) ---------------------

PASSWORD = "Pw-Secret-7731-kq"


@pytest.mark.parametrize(
    ("key", "token", "read"),
    [
        ("username", "@jinja {{ this.database.password | upper }}", "database.password"),
        ("username", "@jinja {{ this.database.password | reverse }}", "database.password"),
        ("username", "@jinja {{ this.database.password[2:9] }}", "database.password"),
        ("username", "@format {this.database.password:.6}", "database.password"),
        ("username", "@format {this.database.password}", "database.password"),
        ("username", "@get database.password", "database.password"),
        ("username", "@jinja {{ this.get('database') | string }}", "database.password"),
        ("username", "@jinja {{ 'a' if this.secret_key[0] == 'x' else 'b' }}", "secret_key"),
        ("options.application_name", "@jinja {{ env.DB_PASSWORD | lower }}", "env DB_PASSWORD"),
        ("username", "@format {env[DB_PASSWORD]}", "env DB_PASSWORD"),
        ("database", "@format {this.database.host}", "database.password"),  # host reads it
    ],
)
def test_a_token_reading_a_secret_into_a_plain_setting_is_refused(
    project, key: str, token: str, read: str
) -> None:
    """A copy a token changes (upper case, reversed, a slice) cannot be masked: the load is
    refused, naming the key and the secret read, whatever the secret's value."""
    project.write(
        "settings.toml",
        "[default]\n[default.database]\n"
        'host = "@jinja {{ this.database.password | reverse }}.example"\n'
        + f"{key} = {json.dumps(token)}\n[development]\n",
    )
    environ = {"DB_PASSWORD": PASSWORD, "SECRET_KEY": "xyz-0123456789-abcdefghij"}

    error = project.error(environ)

    problems = {p.key: p for p in error.problems}
    for refused in ("database.host", f"database.{key}"):
        problem = problems[refused]
        assert problem.message.startswith("a token here reads a secret (")
        assert problem.origin == "settings.toml [default]"
        assert f"declare {refused} a secret in the model" in (problem.hint or "")
    assert read in problems[f"database.{key}"].message
    text = str(error) + repr(error.problems)
    for copy in (PASSWORD, PASSWORD.upper(), PASSWORD[::-1], PASSWORD[2:9], PASSWORD[:6]):
        assert copy.casefold() not in text.casefold()


@pytest.mark.parametrize(
    "token", ["@read_file @format {env[DB_PASSWORD_FILE]}", "@read_file {path}"]
)
def test_reading_a_secret_s_file_into_a_plain_setting_is_refused(project, token: str) -> None:
    """``@read_file`` of the file that gave a secret its value reads the secret, however the
    path is written."""
    secret_file = project.root / "password.txt"
    secret_file.write_text(PASSWORD + "\n")
    value = json.dumps(token.replace("{path}", str(secret_file)))
    project.write(
        "settings.toml",
        f"[default.database.options]\napplication_name = {value}\n[development]\n",
    )

    error = project.error({"DB_PASSWORD_FILE": str(secret_file)})

    problems = [p for p in error.problems if p.key == "database.options.application_name"]
    assert [p.message.split(")")[0] for p in problems] == [
        f"a token here reads a secret (file {secret_file}"
    ], error.problems
    text = str(error) + repr(error.problems)
    assert PASSWORD.casefold() not in text.casefold()


@pytest.mark.parametrize(
    "written",
    [
        '"\\u0050\\u0077' + PASSWORD[2:] + '"',  # escapes
        '"""' + PASSWORD[:5] + "\\\n  " + PASSWORD[5:] + '"""',  # a line continued
    ],
    ids=["escaped", "continued"],
)
def test_reading_the_secrets_file_into_a_plain_setting_is_refused(project, written: str) -> None:
    """``.secrets.toml`` holds secrets however TOML spells them (escapes, a line continued):
    its text is never a plain setting's value, whatever secret it holds."""
    project.write(".secrets.toml", f"[default.database]\npassword = {written}\n")
    token = json.dumps(f"@read_file {project.root / '.secrets.toml'}")
    project.write("settings.toml", f"[default]\nlog_level = {token}\n[development]\n")

    error = project.error({})

    [problem] = [p for p in error.problems if p.key == "log_level"]
    assert problem.message.startswith("a token here reads a secret (file ")
    text = str(error) + repr(error.problems)
    for piece in (PASSWORD[2:10], PASSWORD[-8:]):
        assert piece.casefold() not in text.casefold()


def test_a_secret_a_file_wrote_as_a_number_is_a_secret_to_tokens(project) -> None:
    project.write(".secrets.toml", "[default.database]\npassword = 48151623420917\n")
    project.write(
        "settings.toml",
        "[default.database]\n"
        'username = "@jinja {{ this.database.password | string | reverse }}"\n'
        "[development]\n",
    )

    error = project.error({})

    [problem] = [p for p in error.problems if p.key == "database.username"]
    assert problem.message.startswith("a token here reads a secret (database.password)")
    assert "48151623420917"[::-1] not in str(error) + repr(error.problems)


def test_a_token_may_read_a_secret_into_a_secret_and_plain_values_anywhere(project) -> None:
    project.write(
        "settings.toml",
        """
        [default]
        secret_key = "@format {this.database.password}-{this.database.host}-0123456789abcdef"
        [default.database]
        host = "db.example.com"
        username = "@format {this.database.host}-reader"
        [development]
        """,
    )

    settings = project.load({"DB_PASSWORD": PASSWORD})

    assert settings.secret_key.get_secret_value() == f"{PASSWORD}-db.example.com-0123456789abcdef"
    assert settings.database.username == "db.example.com-reader"
    assert type(settings.database.username) is str
