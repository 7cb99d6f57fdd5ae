"""settings/dotenv.py: ``.env`` beside settings.toml, below the real environment, name by name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from settings._load import checked_load
from settings.checks import W004
from settings.checks._run import run_checks
from settings.sources._dotenv import MAX_DOTENV_BYTES

ROOT = Path(__file__).resolve().parents[2]


def test_dotenv_sets_variables_with_its_own_origin(project) -> None:
    project.write(".env", "DB_HOST=from-dotenv.example\nAPP_DATABASE__PORT=6543\n")

    settings = project.load({})

    assert settings.database.host == "from-dotenv.example"
    assert settings.database.port == 6543
    assert settings.sources.origin("database.host") == ".env DB_HOST"
    assert settings.sources.origin("database.port") == ".env APP_DATABASE__PORT"


def test_docker_compose_syntax_quotes_comments_and_export(project) -> None:
    project.write(
        ".env",
        """\
        # a comment line
        export DB_USERNAME=reader
        DB_DATABASE="name with spaces"  # a trailing comment
        DB_HOST='single.example'
        DB_PASSWORD='p@ss:w/rd?#%$HOME ${HOME}'
        APP_LOG_LEVEL=warning # comment after an unquoted value
        """,
    )

    settings = project.load({})

    assert settings.database.username == "reader"
    assert settings.database.database == "name with spaces"
    assert settings.database.host == "single.example"
    assert settings.database.password.get_secret_value() == "p@ss:w/rd?#%$HOME ${HOME}"
    assert settings.log_level == "warning"


def test_values_stay_literal_and_are_never_interpolated(project) -> None:
    project.write(".env", "DB_PASSWORD=${SECRET}x$OTHER\nDB_DATABASE=2024\n")

    settings = project.load({"SECRET": "leaked", "OTHER": "leaked"})

    assert settings.database.password.get_secret_value() == "${SECRET}x$OTHER"
    assert settings.database.database == "2024"


def test_the_real_environment_wins_variable_by_variable(project) -> None:
    project.write(".env", "DB_HOST=dotenv.example\nDB_PORT=6000\n")

    settings = project.load({"DB_HOST": "real.example"})

    assert settings.database.host == "real.example"
    assert settings.sources.origin("database.host") == "env DB_HOST"
    assert settings.database.port == 6000  # the name the environment does not set still counts
    assert settings.sources.origin("database.port") == ".env DB_PORT"


def test_dotenv_ranks_above_the_toml_files(project) -> None:
    project.write(".secrets.toml", "[default.database]\nhost = 'secrets.example'\n")
    project.write("settings.local.toml", "[default.database]\nhost = 'local.example'\n")
    project.write(".env", "DB_HOST=dotenv.example\n")

    assert project.load({}).database.host == "dotenv.example"


def test_conflicts_are_judged_after_the_merge(project) -> None:
    project.write(".env", "DB_HOST=dotenv.example\n")

    problems = project.problems({"APP_DATABASE__HOST": "real.example"})

    assert ("database.host", ".env DB_HOST, env APP_DATABASE__HOST") in problems


def test_a_real_variable_shadowing_the_dotenv_one_is_no_conflict(project) -> None:
    project.write(".env", "DB_HOST=dotenv.example\n")

    settings = project.load({"DB_HOST": "real.example", "APP_DATABASE__HOST": "real.example"})

    assert settings.database.host == "real.example"


def test_x_in_dotenv_and_x_file_in_the_environment_is_set_twice(project, tmp_path) -> None:
    project.write(".env", "DB_PASSWORD=from-dotenv\n")
    path = project.secret_file("pw.txt", "from-file\n")

    problems = project.problems({"DB_PASSWORD_FILE": path})

    assert ("database.password", ".env DB_PASSWORD, env DB_PASSWORD_FILE") in problems


def test_env_for_dynaconf_may_come_from_dotenv(project) -> None:
    project.write(".env", "ENV_FOR_DYNACONF=testing\n")

    settings = project.load({})

    assert settings.environment == "testing"
    assert settings.sources.origin("environment") == ".env ENV_FOR_DYNACONF"


def test_unknown_app_variable_in_dotenv_is_a_warning(project) -> None:
    project.write(".env", "APP_DATABSE__HOST=x\n")

    settings = project.load({})

    assert settings.sources.unknown_variables == (".env APP_DATABSE__HOST",)
    [warning] = [p for p in run_checks(settings, deploy=False).problems if p.id == "settings.W002"]
    assert warning.origin == ".env APP_DATABSE__HOST"  # the warning says where it was set
    assert warning.hint == "did you mean APP_DATABASE__HOST?"


def test_dotenv_is_listed_among_the_sources(project) -> None:
    project.write(".env", "DB_HOST=dotenv.example\n")

    sources = project.load({"DB_PORT": "5433"}).sources

    assert sources.files == ("settings.toml", ".env")
    assert sources.variables == ("DB_HOST", "DB_PORT")


def test_without_dotenv_nothing_changes(project) -> None:
    sources = project.load({}).sources

    assert ".env" not in sources.files


def test_an_empty_dotenv_is_loaded_and_listed(project) -> None:
    project.write(".env", "# nothing yet\n")

    assert project.load({}).sources.files == ("settings.toml", ".env")


def test_utf8_with_a_byte_order_mark_is_read(project) -> None:
    (project.root / ".env").write_bytes("\ufeffDB_HOST=bom.example\n".encode())

    assert project.load({}).database.host == "bom.example"


def test_a_line_without_equals_sets_nothing(project) -> None:
    project.write(".env", "DB_HOST\nDB_PORT=6001\n")

    settings = project.load({})

    assert settings.database.host == "db.internal"
    assert settings.database.port == 6001


# --- production ------------------------------------------------------------------------


def test_dotenv_in_production_is_a_warning_with_an_id(project, production) -> None:
    project.write(".env", "DB_HOST=dotenv.example\n")

    settings, warnings, _ = checked_load(root=project.root, environ=production)

    assert W004 in warnings
    assert W004.id == "settings.W004"
    assert settings.database.host == "dotenv.example"


def test_no_warning_in_production_without_dotenv(project, production) -> None:
    _, warnings, _ = checked_load(root=project.root, environ=production)

    assert W004 not in warnings


def test_no_dotenv_warning_in_development(project) -> None:
    project.write(".env", "DB_HOST=dotenv.example\n")

    assert run_checks(project.load({}), deploy=False).problems == []


# --- purity -----------------------------------------------------------------------------


def test_load_reads_the_dotenv_of_root_not_of_the_working_directory(
    project, tmp_path_factory, monkeypatch
) -> None:
    elsewhere = tmp_path_factory.mktemp("cwd")
    (elsewhere / ".env").write_text("DB_HOST=cwd.example\n")
    monkeypatch.chdir(elsewhere)

    settings = project.load({})

    assert settings.database.host == "db.internal"
    assert ".env" not in settings.sources.files


def test_load_never_changes_the_process_environment(project) -> None:
    project.write(".env", "H10_DOTENV_PROBE=1\nDB_HOST=dotenv.example\n")

    project.load({})

    assert "H10_DOTENV_PROBE" not in os.environ
    assert "DB_HOST" not in os.environ or os.environ["DB_HOST"] != "dotenv.example"


# --- files that cannot be read ------------------------------------------------------------


def test_a_dotenv_that_is_a_directory_is_an_error_naming_it(project) -> None:
    (project.root / ".env").mkdir()

    error = project.error({})

    problem = error.problems[0]
    assert problem.origin == ".env"
    assert str(project.root / ".env") in problem.message
    assert "a directory" in problem.message


def test_a_dotenv_that_is_a_fifo_is_an_error_not_a_hang(project) -> None:
    # In a child process with a deadline, so a regression fails the test instead of hanging it.
    os.mkfifo(project.root / ".env")
    code = (
        "from settings import load_settings, ImproperlyConfigured\n"
        f"try: load_settings(root={str(project.root)!r}, environ={{}})\n"
        "except ImproperlyConfigured as e: print(e)\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )

    assert "a FIFO (named pipe), not a regular file" in result.stdout
    assert str(project.root / ".env") in result.stdout


def test_a_dotenv_larger_than_the_cap_is_an_error(project) -> None:
    (project.root / ".env").write_bytes(b"# padding\n" * (MAX_DOTENV_BYTES // 10 + 1))

    problem = project.error({}).problems[0]

    assert f"larger than {MAX_DOTENV_BYTES} bytes" in problem.message
    assert str(project.root / ".env") in problem.message


def test_a_dotenv_that_is_not_utf8_is_an_error(project) -> None:
    (project.root / ".env").write_bytes(b"DB_HOST=caf\xe9\n")

    problem = project.error({}).problems[0]

    assert problem.origin == ".env"
    assert "not UTF-8" in problem.message


def test_a_line_python_dotenv_cannot_parse_is_an_error_naming_it(project) -> None:
    project.write(".env", "DB_HOST=ok\nDB_PORT='unterminated\n")

    problem = project.error({}).problems[0]

    assert "line 2" in problem.message
    assert problem.origin == ".env"
