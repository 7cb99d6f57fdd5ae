"""``override_settings``: a validated swap-and-restore, as a context manager and a decorator."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI

from settings import (
    DatabaseConfig,
    ImproperlyConfigured,
    Settings,
    get_settings,
    load_settings,
    override_settings,
)
from settings._process import ORIGIN, active_overrides
from settings.fastapi import SettingsDep, settings_lifespan
from settings.testing import app_client

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.usefixtures("process_settings")


def test_the_block_sees_the_change_and_after_it_the_original() -> None:
    original = get_settings()
    with override_settings(debug=True, log_level="error") as changed:
        assert get_settings() is changed
        assert (changed.debug, changed.log_level) == (True, "error")
        assert changed.database == original.database
    assert get_settings() is original
    assert active_overrides() == 0


def test_the_changed_settings_are_a_new_validated_frozen_object() -> None:
    with override_settings(database__port="5433", allowed_hosts="a.example, b.example") as s:
        assert s.database.port == 5433  # converted by the field's type, as from a variable
        assert s.allowed_hosts == ["a.example", "b.example"]
        assert isinstance(s, Settings)
        with pytest.raises(ValueError, match="frozen"):
            s.debug = False  # type: ignore[misc]


@pytest.mark.parametrize(
    "changes",
    [
        {"database": {"port": 5433, "pool": {"size": 3}}},
        {"database__port": 5433, "database__pool__size": 3},
        {"database": {"pool__size": 3}, "database__port": 5433},
        {"database__pool": {"size": 3}, "database": {"port": 5433}},
    ],
)
def test_nested_keys_both_spellings_keep_the_rest_of_the_table(changes: dict[str, object]) -> None:
    original = get_settings().database
    with override_settings(**changes) as changed:
        assert (changed.database.port, changed.database.pool.size) == (5433, 3)
        assert changed.database.host == original.host
        assert changed.database.driver == original.driver
        assert changed.database.pool.timeout == original.pool.timeout


@pytest.mark.parametrize(
    "clear", [{"database": {"options": {}}}, {"database__options": {}}], ids=["nested", "__"]
)
def test_an_empty_mapping_replaces_the_mapping(clear: dict[str, object]) -> None:
    with override_settings(database__options={"ssl": "require"}) as with_options:
        assert with_options.database.options == {"ssl": "require"}
        with override_settings(**clear) as cleared:
            assert cleared.database.options == {}
            assert cleared.database.port == with_options.database.port
        assert get_settings().database.options == {"ssl": "require"}


def test_a_section_may_be_given_as_a_model() -> None:
    database = DatabaseConfig(driver="sqlite+aiosqlite", database="/tmp/other.sqlite3")
    with override_settings(database=database) as changed:
        assert changed.database == database


def test_nesting_stacks_and_unwinds() -> None:
    with override_settings(debug=True):
        with override_settings(log_level="error") as inner:
            assert (inner.debug, inner.log_level) == (True, "error")
        assert get_settings().debug is True
        assert get_settings().log_level != "error"
    assert get_settings().debug is False


def test_an_out_of_order_exit_removes_its_own_override() -> None:
    first, second = override_settings(log_level="error"), override_settings(debug=True)
    first.enable()
    second.enable()
    first.disable()
    try:
        assert (get_settings().debug, get_settings().log_level) == (True, "info")
    finally:
        second.disable()
    assert active_overrides() == 0


@override_settings(log_level="warning")
def test_decorates_a_sync_test() -> None:
    assert get_settings().log_level == "warning"


@override_settings(log_level="warning", database__port=5433)
async def test_decorates_an_async_test() -> None:
    assert get_settings().log_level == "warning"
    assert get_settings().database.port == 5433


def test_the_decorator_restores_after_the_call_and_keeps_the_function_s_identity() -> None:
    @override_settings(debug=True)
    def read() -> bool:
        """Doc."""
        return get_settings().debug

    assert read() is True
    assert get_settings().debug is False
    assert (read.__name__, read.__doc__) == ("read", "Doc.")


class Base:
    def test_inherited(self) -> str:
        return get_settings().log_level


async def test_a_decorated_class_stays_a_class_whose_test_methods_see_the_change() -> None:
    @override_settings(log_level="warning")
    class TestSomething(Base):
        def test_sync(self) -> str:
            return get_settings().log_level

        async def test_async(self) -> str:
            return get_settings().log_level

        @staticmethod
        def test_static() -> str:
            return get_settings().log_level

        def helper(self) -> str:
            return get_settings().log_level

    assert inspect.isclass(TestSomething)
    case = TestSomething()
    assert isinstance(case, Base)
    assert case.test_sync() == "warning"
    assert await case.test_async() == "warning"
    assert (case.test_static(), case.test_inherited()) == ("warning", "warning")
    assert case.helper() != "warning"  # not a test
    assert Base().test_inherited() != "warning"  # the base class is left alone
    assert active_overrides() == 0


PYTEST_STYLE_CLASS = """
from settings import get_settings, override_settings


@override_settings(log_level="warning")
class TestDecorated:
    def test_sync(self):
        assert get_settings().log_level == "warning"

    async def test_async(self):
        assert get_settings().log_level == "warning"


def test_after_the_class():
    assert get_settings().log_level == "info"
"""


def test_pytest_collects_and_runs_the_tests_of_a_decorated_class(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)  # pytest-asyncio
    pytester.makefile(".toml", settings='[default]\nsecret_key = "k"\n[development]\n')
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    pytester.makepyfile(test_decorated_class=PYTEST_STYLE_CLASS)
    pytester.chdir()

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*TestDecorated::test_async PASSED*"])


def test_a_generator_function_is_refused_rather_than_left_unchanged() -> None:
    def fixture() -> Iterator[bool]:
        yield get_settings().debug

    async def async_fixture() -> AsyncIterator[bool]:
        yield get_settings().debug

    message = "override_settings cannot decorate a generator; use it as a context manager inside"
    for generator in (fixture, async_fixture):
        with pytest.raises(TypeError, match=message):
            override_settings(debug=True)(generator)


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"database__port": 0}, "database.port", "greater than or equal to 1"),
        ({"log_level": "loud"}, "log_level", "'debug', 'info', 'warning' or 'error'"),
        ({"databse": {"port": 1}}, "databse.port", "unknown key; did you mean database.port?"),
        ({"database": 5}, "database", "is a table"),
        ({"database": {"pool": {}}}, "database.pool", "is a table"),
        ({"environment": "production"}, "environment", "ENV_FOR_DYNACONF"),
    ],
)
def test_an_invalid_override_raises_and_changes_nothing(
    changes: dict[str, object], key: str, message: str
) -> None:
    original = get_settings()
    with pytest.raises(ImproperlyConfigured) as raised, override_settings(**changes):
        pytest.fail("the block must not run")
    problem = raised.value.problems[0]
    assert (problem.key, problem.origin) == (key, ORIGIN)
    assert message in problem.message
    assert get_settings() is original


def test_an_invalid_secret_is_not_echoed() -> None:
    with (
        pytest.raises(ImproperlyConfigured) as raised,
        override_settings(secret_key=["canary-Zx9!@:/?#%"]),
    ):
        pass
    assert "Zx9" not in str(raised.value)


def test_restored_after_an_exception_in_the_block() -> None:
    with pytest.raises(RuntimeError), override_settings(debug=True):
        raise RuntimeError("boom")
    assert active_overrides() == 0


async def test_restored_after_an_exception_in_a_decorated_coroutine() -> None:
    @override_settings(debug=True)
    async def fail() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail()
    assert active_overrides() == 0


def test_the_origin_of_an_overridden_value_is_recorded() -> None:
    with override_settings(database__port=5433) as changed:
        assert changed.sources is not None
        assert changed.sources.origin("database.port") == ORIGIN
        assert changed.sources.origin("debug") != ORIGIN


# --- Where an override is seen: each reader's own settings, its own context ----------------


async def test_an_app_given_its_own_settings_keeps_them_under_an_override(
    tmp_path, process_environment
) -> None:
    """An override applies on top of what each app serves with, not the working directory's."""
    (tmp_path / "settings.toml").write_text(
        '[default]\nsecret_key = "own-key-0123456789-abcdefghijklmnopq"\nlog_level = "error"\n'
        "[testing]\n",
        encoding="utf-8",
    )
    own = load_settings("testing", root=tmp_path, environ={})
    process_environment.chdir(tmp_path.parent)  # no settings.toml in the working directory
    app = FastAPI(lifespan=settings_lifespan(own))

    @app.get("/seen")
    async def seen(settings: SettingsDep) -> list[str]:
        return [settings.environment, settings.log_level, str(settings.debug)]

    async with app_client(app) as client:
        with override_settings(debug=True) as process:
            assert process is None  # the process has no settings of its own here
            assert (await client.get("/seen")).json() == ["testing", "error", "True"]
        assert (await client.get("/seen")).json() == ["testing", "error", "False"]


async def test_concurrent_tasks_never_see_each_other_s_override_nor_a_stale_one() -> None:
    a_entered, b_entered, a_left = asyncio.Event(), asyncio.Event(), asyncio.Event()
    seen: dict[str, object] = {}

    async def task_a() -> None:
        with override_settings(log_level="error"):
            a_entered.set()
            await b_entered.wait()
            seen["a inside"] = get_settings().log_level
        a_left.set()

    async def task_b() -> None:
        await a_entered.wait()
        with override_settings(debug=True):
            b_entered.set()
            await a_left.wait()  # A's block ended while B's is still on
            seen["b after a"] = (get_settings().log_level, get_settings().debug)
        seen["b after b"] = (get_settings().log_level, get_settings().debug)

    await asyncio.gather(task_a(), task_b())

    original = get_settings()
    assert seen["a inside"] == "error"
    assert seen["b after a"] == (original.log_level, True)  # never A's value
    assert seen["b after b"] == (original.log_level, original.debug)
    assert active_overrides() == 0


def test_another_thread_does_not_see_this_thread_s_override() -> None:
    seen: list[bool] = []
    with override_settings(debug=True):
        worker = threading.Thread(target=lambda: seen.append(get_settings().debug))
        worker.start()
        worker.join()
        assert get_settings().debug is True
    assert seen == [False]
