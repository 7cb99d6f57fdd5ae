"""settings/checks as a registry: an application's checks beside its model (SPEC 10).

Each application module here is written to ``tmp_path`` and imported, as an application's
``config.py`` would be; the registry is restored after each test.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from settings import Problem, Settings
from settings.checks import W003, Error, Warning, registered, rules_table
from settings.checks import _registry as registry
from settings.checks import _run as checks_run
from settings.checks._run import run_checks
from settings.contrib.database._checks import E006
from tests.support.environ import clean_environ
from tests.support.project import STRONG_KEY

SAFE: dict[str, Any] = {
    "environment": "production",
    "secret_key": STRONG_KEY,
    "allowed_hosts": ["example.com"],
    "database": {"password": "pw"},
}

#: An application's model with its own deployment check, declared beside it.
SHOP = """
from __future__ import annotations

from pydantic import SecretStr

from settings import Settings
from settings.checks import Error, Problem, register
from settings.schema import Section


class LlmConfig(Section):
    api_key: SecretStr = SecretStr("")
    model: str = "small"


class ShopSettings(Settings):
    llm: LlmConfig = LlmConfig()


E001 = Error("llm.api_key", "is empty", id="shop.E001", hint="set APP_LLM__API_KEY")


@register(id=E001.id, deploy=True)
def check_llm_key(settings: ShopSettings) -> list[Problem]:
    return [] if settings.llm.api_key.get_secret_value() else [E001]
"""

#: Another application's model, whose check always finds something.
BLOG = """
from settings import Settings
from settings.checks import Problem, Warning, register


class BlogSettings(Settings):
    title: str = "blog"


@register(id="blog.W001")
def check_title(settings: BlogSettings) -> list[Problem]:
    return [Warning("title", "is the default", id="blog.W001")]
"""

Importer = Callable[[str, str], ModuleType]


@pytest.fixture(autouse=True)
def restored_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a test registers is gone after it."""
    monkeypatch.setattr(registry, "_registry", dict(registry._registry))
    monkeypatch.setattr(registry, "_problems", dict(registry._problems))


@pytest.fixture
def app_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Importer]:
    """Write ``source`` as module ``name`` and import it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names: list[str] = []

    def write_and_import(name: str, source: str) -> ModuleType:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        names.append(name)
        return importlib.import_module(name)

    yield write_and_import
    for name in names:
        sys.modules.pop(name, None)


def shop_settings(shop: ModuleType, **changes: Any) -> Settings:
    return shop.ShopSettings.model_validate({**SAFE, **changes})  # type: ignore[no-any-return]


def test_error_and_warning_build_problems_that_compare_by_value() -> None:
    error = Error("llm.api_key", "is empty", id="shop.E001", hint="set it")
    warning = Warning("llm.model", "is old", id="shop.W001")

    assert error == Problem("llm.api_key", "is empty", id="shop.E001", hint="set it")
    assert (error.severity, warning.severity) == ("error", "warning")
    assert error.is_error and not warning.is_error


def test_the_built_in_rules_are_registered_like_any_check() -> None:
    names = {check.function.__name__: check.deploy for check in registered()}

    assert names["check_debug"] is True
    assert names["check_database_password"] is True
    assert names["check_unknown_variables"] is False
    assert names["check_silenced_ids"] is False


def test_an_application_check_runs_for_its_model(app_module: Importer) -> None:
    shop = app_module("shop_one", SHOP)

    assert run_checks(shop_settings(shop), deploy=True).problems == [shop.E001]
    assert shop.check_llm_key(shop_settings(shop)) == [shop.E001]
    assert run_checks(shop_settings(shop, llm={"api_key": "sk-1"}), deploy=True).problems == []


def test_an_application_deployment_check_runs_only_with_the_deployment_rules(
    app_module: Importer,
) -> None:
    shop = app_module("shop_two", SHOP)

    assert run_checks(shop_settings(shop), deploy=False).problems == []


def test_a_check_runs_for_subclasses_of_its_model(app_module: Importer) -> None:
    shop = app_module("shop_three", SHOP)

    class StagingShop(shop.ShopSettings):  # type: ignore[name-defined,misc]
        pass

    assert run_checks(StagingShop.model_validate(SAFE), deploy=True).problems == [shop.E001]


def test_a_check_for_another_model_is_not_run(app_module: Importer) -> None:
    shop = app_module("shop_four", SHOP)
    blog = app_module("blog_four", BLOG)

    blog_ids = {
        p.id for p in run_checks(blog.BlogSettings.model_validate(SAFE), deploy=True).problems
    }
    shop_ids = {p.id for p in run_checks(shop_settings(shop), deploy=True).problems}
    base_ids = {p.id for p in run_checks(Settings.model_validate(SAFE), deploy=True).problems}

    assert blog_ids == {"blog.W001"}
    assert shop_ids == {"shop.E001"}
    assert base_ids == set()


def test_an_unannotated_check_runs_for_every_model(app_module: Importer) -> None:
    shop = app_module("shop_five", SHOP)
    anywhere = app_module(
        "anywhere_five",
        """
        from settings.checks import Warning, register

        W001 = Warning("log_level", "is info", id="ops.W001")

        @register(id=W001.id)
        def check_log_level(settings):
            return [W001] if settings.log_level == "info" else []
    """,
    )

    assert anywhere.W001 in run_checks(Settings.model_validate(SAFE), deploy=False).problems
    assert anywhere.W001 in run_checks(shop_settings(shop), deploy=False).problems


def test_an_application_check_stops_a_production_load(
    app_module: Importer, project, production
) -> None:
    """Annotated ``Settings``, it applies to what ``load_settings`` builds."""
    app_module(
        "ops_six",
        """
        from settings import Settings
        from settings.checks import Error, Problem, register

        E001 = Error("log_level", "must be warning or error in production", id="ops.E001")

        @register(id=E001.id, deploy=True)
        def check_log_level(settings: Settings) -> list[Problem]:
            return [E001] if settings.log_level in ("debug", "info") else []
    """,
    )

    error = project.error(production)

    assert [(p.id, p.origin) for p in error.problems] == [("ops.E001", "schema default")]
    assert project.load(production | {"APP_LOG_LEVEL": "warning"}).log_level == "warning"
    assert project.load().environment == "development"  # not a deployment: not run


def test_silenced_checks_silences_a_rule_and_counts_it(app_module: Importer) -> None:
    shop = app_module("shop_seven", SHOP)

    result = run_checks(shop_settings(shop, silenced_checks=["shop.E001"]), deploy=True)

    assert result.problems == []
    assert result.silenced == [shop.E001]


def test_peer_authentication_loads_in_production_with_security_e006_silenced(
    project, production
) -> None:
    """The documented case: no password, since the server trusts the peer or certificate."""
    environ = {**production, "DB_PASSWORD": ""}
    assert [p.id for p in project.error(environ).problems] == [E006.id]

    settings = project.load({**environ, "APP_SILENCED_CHECKS": "security.E006"})

    assert run_checks(settings, deploy=True).silenced == [
        Problem(**{**vars(E006), "origin": "env DB_PASSWORD"})
    ]


def test_an_unknown_id_in_silenced_checks_is_a_warning(app_module: Importer) -> None:
    shop = app_module("shop_eight", SHOP)
    settings = shop_settings(shop, silenced_checks=["security.E06", "shop.E001", "nothing"])

    problems = run_checks(settings, deploy=True).problems

    assert [(p.id, p.message, p.hint) for p in problems] == [
        (W003.id, f"'security.E06' {W003.message}", "did you mean security.E006?"),
        (W003.id, f"'nothing' {W003.message}", W003.hint),
    ]
    assert all(not p.is_error for p in problems)


def test_an_id_declared_at_registration_is_known(app_module: Importer) -> None:
    blog = app_module("blog_nine", BLOG)

    settings = blog.BlogSettings.model_validate({**SAFE, "silenced_checks": ["blog.W001"]})

    assert run_checks(settings, deploy=False).problems == []


def test_a_check_that_raises_is_an_error_naming_it_with_secrets_masked(
    app_module: Importer,
) -> None:
    shop = app_module("shop_ten", SHOP)
    broken = app_module(
        "broken_ten",
        """
        from shop_ten import ShopSettings
        from settings.checks import register

        @register(deploy=True)
        def check_broker(settings: ShopSettings):
            key = settings.llm.api_key.get_secret_value()
            password = settings.database.password.get_secret_value()
            raise ConnectionError(f"refused with key {key} for postgresql://app:{password}@db/x")
    """,
    )
    secrets = {"llm": {"api_key": "sk-live-4242"}, "database": {"password": "hunter2"}}
    settings = shop_settings(shop, **secrets)

    problems = run_checks(settings, deploy=True).problems

    [failed] = problems
    assert failed.is_error
    assert failed.key == "settings"
    assert failed.message == (
        f"the check {broken.__name__}.check_broker raised ConnectionError: refused with key "
        "********** for postgresql://app:**********@db/x"
    )
    assert "sk-live-4242" not in str(problems) and "hunter2" not in str(problems)


def test_a_check_that_raises_does_not_stop_the_others(app_module: Importer) -> None:
    shop = app_module("shop_eleven", SHOP)
    app_module(
        "broken_eleven",
        """
        from settings.checks import register

        @register(deploy=True)
        def check_crash(settings):
            raise KeyError("boom")
    """,
    )

    problems = run_checks(shop_settings(shop, debug=True), deploy=True).problems

    assert [p.id for p in problems] == ["security.E001", "shop.E001", None]
    assert problems[2].message == "the check broken_eleven.check_crash raised KeyError: 'boom'"


def test_a_raising_check_in_a_production_load_is_reported_masked(
    app_module: Importer, project, production
) -> None:
    app_module(
        "broken_twelve",
        """
        from settings import Settings
        from settings.checks import register

        @register(deploy=True)
        def check_key(settings: Settings):
            raise ValueError("bad key " + settings.secret_key.get_secret_value())
    """,
    )

    error = project.error(production)

    assert "the check broken_twelve.check_key raised ValueError: bad key **********" in str(error)
    assert production["SECRET_KEY"] not in str(error)


def test_a_check_that_returns_something_else_or_has_a_bad_annotation_is_an_error(
    app_module: Importer,
) -> None:
    app_module(
        "odd_thirteen",
        """
        from settings.checks import register

        @register
        def check_none(settings):
            return None

        @register
        def check_typed(settings: int):
            return []
    """,
    )

    messages = [p.message for p in run_checks(Settings.model_validate(SAFE), deploy=False).problems]

    assert messages == [
        "the check odd_thirteen.check_none returned a NoneType, not a list of problems",
        "the check odd_thirteen.check_typed cannot run: its parameter is annotated <class 'int'>, "
        "not a settings model",
    ]


def test_a_check_whose_model_is_defined_later_runs_once_it_resolves(app_module: Importer) -> None:
    """A check's model is resolved once, but not a failure: an annotation naming a model the
    module has not defined yet is tried again at the next run."""
    module = app_module(
        "late_model",
        """
        from __future__ import annotations

        from settings import Settings
        from settings.checks import Warning, register

        @register(id="late.W001")
        def check_late(settings: LateSettings):
            return [Warning("late", "is checked", id="late.W001")]
    """,
    )
    settings = Settings.model_validate(SAFE)

    before = [p.message for p in run_checks(settings, deploy=False).problems]
    module.LateSettings = Settings  # the name resolves from now on
    after = [p.message for p in run_checks(settings, deploy=False).problems]
    again = [p.message for p in run_checks(settings, deploy=False).problems]

    assert before == [
        "the check late_model.check_late cannot run: its annotations cannot be resolved: "
        "name 'LateSettings' is not defined"
    ]
    assert after == again == ["is checked"]


def test_registering_a_module_again_does_not_run_its_checks_twice(app_module: Importer) -> None:
    shop = app_module("shop_fourteen", SHOP)
    importlib.reload(shop)

    assert [p.id for p in run_checks(shop_settings(shop), deploy=True).problems] == ["shop.E001"]


def test_the_rules_table_lists_an_application_check(app_module: Importer) -> None:
    shop = app_module("shop_fifteen", SHOP)
    [check] = [c for c in registered() if c.function is shop.check_llm_key]

    assert rules_table([check]).splitlines()[2] == (
        "| `shop.E001` | error | `llm.api_key` | is empty | set APP_LLM__API_KEY "
        "| deployment rules |"
    )


def test_the_rules_reference_lists_every_rule_of_the_framework_and_its_batteries() -> None:
    """docs/reference/checks.md is generated with the batteries of ``Settings`` imported: an
    operator who sees ``database.E002`` in a report finds it there."""
    page = (Path(__file__).resolve().parents[2] / "docs/reference/checks.md").read_text()
    ids = {
        problem.id
        for check in registered()
        for problem in check.problems()
        if problem.id is not None and problem.id.startswith(registry.RESERVED)
    }

    assert {"security.E006", "security.E010", "database.E002", "settings.W005"} <= ids
    assert sorted(id for id in ids if f"| `{id}` |" not in page) == []


def test_the_public_names_of_settings_checks() -> None:
    import settings.checks

    assert settings.checks.__all__ == [
        "W001",
        "W002",
        "W003",
        "W004",
        "W005",
        "Error",
        "Problem",
        "Warning",
        "register",
        "registered",
        "rules_table",
    ]
    assert all(hasattr(settings.checks, name) for name in settings.checks.__all__)


def test_a_check_reporting_an_id_it_did_not_declare_is_an_error_naming_it(
    app_module: Importer,
) -> None:
    app_module(
        "sloppy_sixteen",
        """
        from settings.checks import Warning, register

        @register
        def check_sloppy(settings):
            return [Warning("log_level", "is info", id="ops.W009")]
    """,
    )

    [problem] = run_checks(Settings.model_validate(SAFE), deploy=False).problems

    assert problem.is_error
    assert problem.message == (
        "the check sloppy_sixteen.check_sloppy reports ops.W009, which its register(id=...) "
        "does not declare"
    )


def test_an_id_belongs_to_one_check(app_module: Importer) -> None:
    app_module("shop_seventeen", SHOP)
    with pytest.raises(ValueError, match=r"declares shop.E001, already declared by shop_sev"):
        app_module(
            "thief_seventeen",
            """
            from settings.checks import register

            @register(id="shop.E001")
            def check_llm_key_again(settings):
                return []
        """,
        )


def test_every_id_the_documentation_names_can_be_silenced_without_w003() -> None:
    """The budget's ids come through the same registry as every other: silencing them is
    known, though the check that reports them runs only with ``check --connect``."""
    settings = Settings.model_validate(
        {**SAFE, "silenced_checks": ["database.E001", "database.E002", "database.E004"]}
    )

    assert run_checks(settings, deploy=True).problems == []


def test_a_connect_check_runs_only_when_asked(app_module: Importer) -> None:
    calls = app_module(
        "server_eighteen",
        """
        from settings.checks import Warning, register

        W001 = Warning("database", "asked", id="server.W001")
        asked = []

        @register(id=W001.id, connect=True)
        def check_server(settings):
            asked.append(settings.environment)
            return [W001]
    """,
    )
    settings = Settings.model_validate(SAFE)

    assert calls.W001 not in run_checks(settings, deploy=True).problems
    assert calls.W001 in run_checks(settings, deploy=True, connect=True).problems
    assert calls.asked == ["production"]


def test_a_problem_a_check_returns_is_masked(app_module: Importer) -> None:
    """A check may quote a value holding a secret; the report never shows it (issue 16,
    item 2)."""
    app_module(
        "quoting_nineteen",
        """
        from settings.checks import Warning, register

        W = "ops.W019"

        @register(id=W)
        def check_quote(settings):
            password = settings.database.password.get_secret_value()
            return [
                Warning("database", f"redis://:{password}@cache is not TLS", id=W),
                Warning("secret_key", "is " + settings.secret_key.get_secret_value(), id=W),
            ]
    """,
    )
    settings = Settings.model_validate({**SAFE, "database": {"password": "pw-9981-xyz"}})

    problems = [p for p in run_checks(settings, deploy=False).problems if p.id == "ops.W019"]

    assert [p.message for p in problems] == [  # in the model's order: secret_key first
        "is **********",
        "redis://:**********@cache is not TLS",
    ]


def test_a_check_that_exits_or_returns_a_malformed_problem_is_an_error_naming_it(
    app_module: Importer,
) -> None:
    """sys.exit(0) in a check was a false pass of check --deploy; Error(None, None), a
    severity that is neither, and an exception whose __str__ raises crashed or passed
    (issue 16, items 17 and 18)."""
    app_module(
        "unruly_twenty",
        """
        import sys
        from settings import Problem
        from settings.checks import Error, register

        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("no text")

        @register(deploy=True)
        def check_exits(settings):
            sys.exit(0)

        @register(deploy=True)
        def check_nones(settings):
            return [Error(None, None)]

        @register(id="ops.E020", deploy=True)
        def check_fatal(settings):
            return [Problem("debug", "is odd", id="ops.E020", severity="fatal")]

        @register(deploy=True)
        def check_unprintable(settings):
            raise Unprintable()
    """,
    )

    failed = [p for p in run_checks(Settings.model_validate(SAFE), deploy=True).problems]

    assert [(p.is_error, p.message) for p in failed] == [
        (True, "the check unruly_twenty.check_exits raised SystemExit: 0"),
        (
            True,
            "the check unruly_twenty.check_nones returned a malformed problem (key and "
            "message must be text)",
        ),
        (
            True,
            "the check unruly_twenty.check_fatal returned a malformed problem (severity "
            "'fatal', not 'error' or 'warning')",
        ),
        (True, "the check unruly_twenty.check_unprintable raised Unprintable"),
    ]


def test_a_model_module_that_exits_at_import_is_an_error_naming_it(
    project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "exits_twenty_one.py").write_text("import sys\nsys.exit(0)\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    error = project.error({"SETTINGS_MODEL": "exits_twenty_one:Model"})

    assert "cannot import 'exits_twenty_one': SystemExit: 0" in str(error)


def test_an_application_check_may_not_declare_an_id_of_the_framework(app_module: Importer) -> None:
    """Refused at registration whatever the import order: the battery owning security.E001
    may be imported after the application (issue 16, item 19)."""
    for prefix in ("security", "settings", "database"):
        with pytest.raises(ValueError, match=rf"declares {prefix}\.E099: the prefixes "):
            app_module(
                f"squatter_{prefix}",
                f"""
                from settings.checks import register

                @register(id="{prefix}.E099")
                def check_mine(settings):
                    return []
            """,
            )


def test_factory_made_checks_and_lambdas_each_run(app_module: Importer) -> None:
    """Five checks of one qualified name (a factory's, two lambdas) all run; only a module run
    again replaces its checks (issue 16, item 19)."""
    factory = app_module(
        "factory_twenty_two",
        """
        from settings.checks import Warning, register

        ran = []

        def limit(name):
            @register(id="ops.W022")
            def check(settings):
                ran.append(name)
                return [Warning(name, "checked", id="ops.W022")]
            return check

        for name in ("debug", "log_level", "allowed_hosts"):
            limit(name)

        register(lambda settings: ran.append("lambda one") or [])
        register(lambda settings: ran.append("lambda two") or [])
    """,
    )
    settings = Settings.model_validate(SAFE)

    problems = run_checks(settings, deploy=False).problems
    assert sorted(factory.ran) == [
        "allowed_hosts",
        "debug",
        "lambda one",
        "lambda two",
        "log_level",
    ]
    assert sorted(p.key for p in problems if p.id == "ops.W022") == [
        "allowed_hosts",
        "debug",
        "log_level",
    ]

    importlib.reload(factory)
    run_checks(settings, deploy=False)
    assert len(factory.ran) == 5  # the new module's five, none of the old ones twice


def test_a_check_that_hangs_is_an_error_naming_it_and_the_others_run(
    app_module: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check that never returns made the start and check hang (issue 16, item 16)."""
    monkeypatch.setattr(checks_run, "TIME_LIMIT", 0.3)
    hung = app_module(
        "hung_twenty_three",
        """
        import threading
        from settings.checks import Warning, register

        release = threading.Event()
        after = []

        @register
        def check_forever(settings):
            release.wait()
            after.append("the hung check returned")
            return []

        @register(id="ops.W023")
        def check_after(settings):
            after.append("ran")
            return [Warning("log_level", "ran", id="ops.W023")]
    """,
    )
    started = time.monotonic()

    problems = run_checks(Settings.model_validate(SAFE), deploy=False).problems

    assert time.monotonic() - started < 5
    [hang] = [p for p in problems if p.is_error]
    assert hang.message == (
        "the check hung_twenty_three.check_forever did not finish within 0.3 seconds"
    )
    assert "must return quickly" in (hang.hint or "")
    assert [p.id for p in problems if not p.is_error] == ["ops.W023"]
    hung.release.set()
    time.sleep(0.1)
    assert hung.after == ["ran", "the hung check returned"]  # the worker ran nothing more


def test_check_reports_a_check_that_hangs_and_exits(tmp_path: Path) -> None:
    """``python -m settings check`` as a real process, with the default time limit."""
    (tmp_path / "settings.toml").write_text("[default]\n[development]\n")
    (tmp_path / "hanging.py").write_text(
        textwrap.dedent(
            """
            import time
            from settings import BaseSettings
            from settings.checks import register

            class Model(BaseSettings):
                pass

            @register
            def check_sleeps(settings: Model):
                time.sleep(3600)
                return []
            """
        )
    )
    environ = clean_environ({"SETTINGS_MODEL": "hanging:Model", "PYTHONPATH": str(tmp_path)})
    started = time.monotonic()

    result = subprocess.run(
        [sys.executable, "-m", "settings", "check", "--root", str(tmp_path)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert time.monotonic() - started < checks_run.TIME_LIMIT + 20
    assert (
        f"the check hanging.check_sleeps did not finish within {checks_run.TIME_LIMIT:g} seconds"
        in result.stderr + result.stdout
    )
