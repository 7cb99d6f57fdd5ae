"""Finding the chat project's model: ``model=``, ``--model``, ``SETTINGS_MODEL``,
``[tool.settings]`` in the ``pyproject.toml`` beside ``settings.toml``, else the base; first match
wins (SPEC 9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from settings import ImproperlyConfigured, Settings, get_settings, load_settings
from settings.cli import main
from tests.application.chat.config import AppSettings
from tests.support.chat import MODEL_PATH
from tests.support.environ import clean_environ

REPO = Path(__file__).resolve().parents[2]
TESTING = {"ENV_FOR_DYNACONF": "testing"}


class RenamedModel(AppSettings):
    """Another model, to tell which of two named models a load took."""


RENAMED_PATH = f"{__name__}:RenamedModel"


def pyproject(directory: Path, model: str) -> None:
    (directory / "pyproject.toml").write_text(
        f'[project]\nname = "chat"\n\n[tool.settings]\nmodel = "{model}"\n', encoding="utf-8"
    )


def test_the_model_argument_as_a_class_or_a_path(chat_dir: Path) -> None:
    by_class = load_settings("testing", root=chat_dir, environ={}, model=AppSettings)
    by_path = load_settings("testing", root=chat_dir, environ={}, model=MODEL_PATH)
    for loaded in (by_class, by_path):
        assert type(loaded) is AppSettings
        assert loaded.llm.model == "small-default"
        assert loaded.features == {"search": False, "voice": False}


def test_settings_model_in_the_environment_given(chat_dir: Path) -> None:
    loaded = load_settings("testing", root=chat_dir, environ={"SETTINGS_MODEL": MODEL_PATH})
    assert type(loaded) is AppSettings
    assert loaded.llm.model == "small-default"


def test_pyproject_beside_settings_toml(chat_dir: Path) -> None:
    pyproject(chat_dir, MODEL_PATH)
    loaded = load_settings("testing", root=chat_dir, environ={})
    assert type(loaded) is AppSettings


def test_first_match_wins(chat_dir: Path) -> None:
    pyproject(chat_dir, MODEL_PATH)
    named = {"SETTINGS_MODEL": RENAMED_PATH}
    assert type(load_settings("testing", root=chat_dir, environ=named)) is RenamedModel
    explicit = load_settings("testing", root=chat_dir, environ=named, model=AppSettings)
    assert type(explicit) is AppSettings


def test_the_base_otherwise_which_knows_no_llm(chat_dir: Path) -> None:
    """Nothing names the model: the base loads, and the chat tables are unknown keys."""
    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("testing", root=chat_dir, environ={})
    keys = {problem.key.partition(".")[0] for problem in caught.value.problems}
    assert keys == {"llm", "features"}
    (chat_dir / "settings.toml").write_text(
        '[default]\nsecret_key = "a-base-model-key-0123456789-abcdefghijklmnop"\n[testing]\n',
        encoding="utf-8",
    )
    assert type(load_settings("testing", root=chat_dir, environ={})) is Settings


def test_get_settings_loads_the_model_the_process_names(chat_process: pytest.MonkeyPatch) -> None:
    current = get_settings()
    assert isinstance(current, AppSettings)
    assert current.llm.model == "small-default"


@pytest.mark.parametrize(
    ("named", "origin", "says"),
    [
        (
            "tests.application.nowhere:AppSettings",
            "env SETTINGS_MODEL",
            "cannot import 'tests.application.nowhere'",
        ),
        (
            "tests.application.chat.config:AppSetings",
            "env SETTINGS_MODEL",
            "has no attribute 'AppSetings'",
        ),
        (
            "tests.application.chat.config:LlmConfig",
            "env SETTINGS_MODEL",
            "is not a subclass of settings.BaseSettings",
        ),
        ("tests.application.chat.config", "env SETTINGS_MODEL", "is not 'pkg.module:Class'"),
    ],
)
def test_a_bad_model_is_an_error_naming_it_and_where(
    chat_dir: Path, named: str, origin: str, says: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("testing", root=chat_dir, environ={"SETTINGS_MODEL": named})
    [problem] = caught.value.problems
    assert (problem.key, problem.origin) == ("model", origin)
    assert says in problem.message
    assert named.partition(":")[0] in str(caught.value)


def test_a_bad_model_in_pyproject_names_the_table(chat_dir: Path) -> None:
    pyproject(chat_dir, "tests.application.chat.config:LlmConfig")
    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("testing", root=chat_dir, environ={})
    report = str(caught.value)
    named = "tests.application.chat.config:LlmConfig"
    assert f"{named} is not a subclass of settings.BaseSettings" in report
    assert "pyproject.toml [tool.settings] model" in report


def test_a_model_argument_that_is_no_settings_model(chat_dir: Path) -> None:
    not_a_model: Any = dict
    with pytest.raises(ImproperlyConfigured, match=r"is not a subclass of settings\.BaseSettings"):
        load_settings("testing", root=chat_dir, environ={}, model=not_a_model)


COMMANDS = [
    (["show"], "llm.model"),
    (["show", "--format", "json"], '"llm"'),
    (["show", "--format", "toml"], "[llm]"),
    (["explain", "llm.model"], "small-default"),
    (["explain", "features"], "voice"),
    (["check"], "OK: testing"),
    (["diff", "testing", "production"], "llm.model"),
    (["schema"], "LlmConfig"),
]


@pytest.mark.parametrize(("command", "shows"), COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_takes_model(
    chat_dir: Path, capsys: pytest.CaptureFixture[str], command: list[str], shows: str
) -> None:
    status = main([*command, "--root", str(chat_dir), "--model", MODEL_PATH], environ=TESTING)
    out, err = capsys.readouterr()
    assert status == 0, err
    assert shows in out


def test_without_model_the_commands_load_the_base(
    chat_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "--root", str(chat_dir)], environ=TESTING) == 1
    assert "llm" in capsys.readouterr().err
    assert main(["schema", "--root", str(chat_dir)], environ=TESTING) == 0
    assert "llm" not in json.loads(capsys.readouterr().out)["$defs"]["SettingsTable"]["properties"]


def test_the_commands_follow_settings_model_and_pyproject(
    chat_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {**TESTING, "SETTINGS_MODEL": MODEL_PATH}
    assert main(["explain", "llm.model", "--root", str(chat_dir)], environ=environ) == 0
    assert "small-default" in capsys.readouterr().out
    pyproject(chat_dir, MODEL_PATH)
    assert main(["explain", "llm.model", "--root", str(chat_dir)], environ=TESTING) == 0
    assert "small-default" in capsys.readouterr().out


def test_a_bad_model_on_the_command_line_exits_1_naming_it(chat_dir: Path) -> None:
    """As a user runs it: a real process, its exit status and stderr."""
    named = "tests.application.chat.config:LlmConfig"
    result = subprocess.run(
        [sys.executable, "-m", "settings", "show", "--root", str(chat_dir), "--model", named],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert f"{named} is not a subclass of settings.BaseSettings" in result.stderr
    assert "--model" in result.stderr
    assert result.stdout == ""


def test_a_single_file_model_beside_settings_toml_is_found_from_elsewhere(tmp_path, monkeypatch):
    """``model = "mymodel:MySettings"`` names mymodel.py beside settings.toml; the load works
    from any working directory, as for a package."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "settings.toml").write_text('[default]\nsecret_key = "k"\n[development]\n')
    (root / "pyproject.toml").write_text('[tool.settings]\nmodel = "mymodel_b7:MySettings"\n')
    (root / "mymodel_b7.py").write_text(
        "from settings import Settings\n\nclass MySettings(Settings):\n    flag: bool = True\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # undone after the test

    settings = load_settings(root=root, environ={})

    assert type(settings).__name__ == "MySettings"
    assert settings.flag is True  # type: ignore[attr-defined]


def _pyproject_fifo(directory: Path) -> str:
    os.mkfifo(directory / "pyproject.toml")
    return "it is a FIFO (named pipe), not a regular file"


def _pyproject_dev_zero(directory: Path) -> str:
    (directory / "pyproject.toml").symlink_to("/dev/zero")
    return "it is a character device, not a regular file"


def _pyproject_tool_text(directory: Path) -> str:
    (directory / "pyproject.toml").write_text('tool = "x"\n', encoding="utf-8")
    return "[tool] must be a table"


def _pyproject_settings_text(directory: Path) -> str:
    (directory / "pyproject.toml").write_text('[tool]\nsettings = "x"\n', encoding="utf-8")
    return "[tool.settings] must be a table"


def _pyproject_too_large(directory: Path) -> str:
    (directory / "pyproject.toml").write_text("# x\n" * 300_000, encoding="utf-8")
    return "it is larger than 1048576 bytes"


@pytest.mark.parametrize(
    "make",
    [
        _pyproject_fifo,
        _pyproject_dev_zero,
        _pyproject_tool_text,
        _pyproject_settings_text,
        _pyproject_too_large,
    ],
)
def test_a_pyproject_that_cannot_name_a_model_is_a_clear_error(
    chat_dir: Path, make: Callable[[Path], str]
) -> None:
    """A FIFO hung ``check``, ``/dev/zero`` raised MemoryError, ``tool = "x"`` an
    AttributeError traceback (issue 16, item 15): each is now the report's one problem."""
    says = make(chat_dir)
    result = subprocess.run(
        [sys.executable, "-m", "settings", "check", "--root", str(chat_dir)],
        cwd=REPO,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "ERROR model: " in result.stderr and says in result.stderr, result.stderr
    assert "(from pyproject.toml)" in result.stderr
