"""The ``settings`` fixture, as a user's project sees it: installed package, plain pytest."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SETTINGS_TOML = """\
[default]
secret_key = "a-users-key-0123456789-abcdefghijklmnopqrstuvwxyz"
log_level = "info"
allowed_hosts = ["testserver"]

[default.database]
driver = "sqlite+aiosqlite"
database = "app.sqlite3"
port = 5432

[development]
debug = true

[testing]
debug = true
"""

USER_TESTS = """
import pytest
from fastapi import FastAPI

from settings import ImproperlyConfigured, get_settings
from settings.fastapi import SettingsDep, settings_lifespan
from settings.testing import app_client


def test_reads_the_current_settings(settings):
    assert settings.environment == "testing"  # the settings_env ini option's default
    assert settings.debug is True
    assert settings.database.port == 5432
    assert "debug" in dir(settings)


def test_assigning_changes_get_settings(settings):
    settings.debug = False
    assert get_settings().debug is False
    assert settings.debug is False


def test_a_later_test_sees_the_original():
    assert get_settings().debug is True


def test_override_both_spellings(settings):
    changed = settings.override(database={"port": 5433})
    assert changed is get_settings()
    settings.override(database__pool__size=3)
    assert (get_settings().database.port, get_settings().database.pool.size) == (5433, 3)
    settings.database = {"connect_timeout": 1.5}
    assert get_settings().database.port == 5433


def test_an_invalid_change_raises_and_changes_nothing(settings):
    with pytest.raises(ImproperlyConfigured, match="database.port"):
        settings.database = {"port": 0}
    with pytest.raises(ImproperlyConfigured, match="did you mean debug"):
        settings.debugg = True
    with pytest.raises(AttributeError):
        del settings.debug
    assert get_settings().database.port == 5432


def test_a_failing_test_is_undone_too(settings):
    settings.log_level = "error"
    assert get_settings().log_level == "warning"


def test_after_the_failure_the_original_again():
    assert get_settings().log_level == "info"
    assert get_settings().database.port == 5432


async def test_async_tests(settings):
    settings.log_level = "warning"
    assert get_settings().log_level == "warning"


async def test_a_running_app_serves_the_change(settings):
    app = FastAPI(lifespan=settings_lifespan())

    @app.get("/level")
    async def level(current: SettingsDep) -> str:
        return current.log_level

    async with app_client(app) as client:
        assert (await client.get("/level")).json() == "info"
        settings.log_level = "error"
        assert (await client.get("/level")).json() == "error"
"""


@pytest.fixture
def user_project(
    pytester: pytest.Pytester, process_environment: pytest.MonkeyPatch
) -> pytest.Pytester:
    """A user's project: its settings.toml, pytest configuration and tests; a clean environ."""
    monkeypatch = process_environment
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    pytester.makefile(".toml", settings=SETTINGS_TOML)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    pytester.makepyfile(test_user=USER_TESTS)
    return pytester


def test_a_user_s_tests_pass_and_every_change_is_undone(user_project: pytest.Pytester) -> None:
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=8, failed=1)
    result.stdout.fnmatch_lines(["*test_a_failing_test_is_undone_too FAILED*"])
    result.stdout.fnmatch_lines(["*test_after_the_failure_the_original_again PASSED*"])
    assert "ERROR" not in result.stdout.str()  # no teardown error: the undo itself never fails


def test_the_fixture_comes_from_the_package_s_entry_point(user_project: pytest.Pytester) -> None:
    result = user_project.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:settings", "-k", "reads_the_current"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'settings' not found*"])


def test_an_environment_settings_toml_lacks_is_reported_as_the_ini_option_s(
    user_project: pytest.Pytester,
) -> None:
    user_project.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "settings_env = staging\n"
    )
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "reads_the_current")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*unknown environment 'staging'*(from the settings_env ini option of pytest)*",
            "*fix: add a [[]staging] table to settings.toml, or set settings_env to one it has*",
        ]
    )


def test_the_application_s_switch_variable_does_not_reach_the_fixture(
    user_project: pytest.Pytester, process_environment: pytest.MonkeyPatch
) -> None:
    """An application naming its environments (SPEC 13) still tests in ``testing``, whatever
    its switch variable says; its deployment environments' rules stay out of the tests."""
    user_project.makefile(
        ".toml",
        pyproject='[tool.settings]\nenv_switcher = "ENVIRONMENT"\ndefault_env = "development"\n'
        'deploy_environments = ["staging"]\n',
    )
    user_project.makefile(".toml", settings=SETTINGS_TOML + "[staging]\ndebug = true\n")
    process_environment.setenv("ENVIRONMENT", "staging")
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "reads_the_current")
    result.assert_outcomes(passed=1)
