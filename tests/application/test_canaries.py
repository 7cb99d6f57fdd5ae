"""The chat project's two secrets, found by type alone (a ``SecretStr`` in its own section and the
password of an ``AnyUrl``), planted as canaries and searched for in every output (SPEC 4 and 9):
``repr``/``str``, reports (Pydantic's ``input_value`` included), every command in every format,
the app's log and its HTTP responses, the debug 500 included.

Each check also asserts what the output does show, so that none passes by printing nothing.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from settings import ImproperlyConfigured
from settings.cli import main
from settings.testing import app_client
from tests.app.test_uvicorn import clean_environ, wait_until_serving
from tests.application.chat.config import AppSettings
from tests.application.chat.main import create_app
from tests.application.conftest import (
    API_KEY,
    CANARY_ENVIRON,
    CHAT_CANARIES,
    CHAT_SETTINGS_TOML,
    MODEL_PATH,
    PRODUCTION_ENVIRON,
    redis_url,
    write_secret_file,
)
from tests.hardening.canaries import assert_no_leak
from tests.pgcluster import free_port

Load = Callable[..., AppSettings]
MASK = "**********"
REPO = Path(__file__).resolve().parents[2]


def no_leak(outputs: dict[str, str]) -> None:
    assert_no_leak(outputs, CHAT_CANARIES)


def exception_texts(exc: BaseException, where: str) -> dict[str, str]:
    """What a log or a console shows of ``exc``: ``str``, ``repr``, each problem, and the whole
    traceback with its chained causes (where Pydantic's ``input_value`` would be)."""
    texts = {
        f"{where}: str": str(exc),
        f"{where}: repr": repr(exc),
        f"{where}: traceback": "".join(traceback.format_exception(exc)),
    }
    if isinstance(exc, ImproperlyConfigured):
        for number, problem in enumerate(exc.problems):
            texts[f"{where}: problem {number}"] = f"{problem} {problem!r}"
    return texts


def test_repr_and_str_of_the_settings_and_the_section(load_chat: Load) -> None:
    loaded = load_chat(**CANARY_ENVIRON)
    assert loaded.llm.api_key.get_secret_value() == API_KEY.value  # planted for real
    outputs = {
        "repr(settings)": repr(loaded),
        "str(settings)": str(loaded),
        "repr(settings.llm)": repr(loaded.llm),
        "str(settings.llm)": str(loaded.llm),
        "f-string of the section": f"{loaded.llm}",
        "repr(settings.llm.api_key)": repr(loaded.llm.api_key),
    }
    no_leak(outputs)
    assert "redis://" in repr(loaded)
    assert MASK in repr(loaded)  # the URL's password
    assert "api_key=SecretStr('**********')" in repr(loaded.llm)


def report_of(load: Callable[[], object]) -> ImproperlyConfigured:
    with pytest.raises(ImproperlyConfigured) as caught:
        load()
    return caught.value


BAD_REDIS = redis_url(rest="127.0.0.1:notaport/0")


def test_a_report_of_a_field_that_holds_a_secret(load_chat: Load, chat_dir: Path) -> None:
    """Validation errors on the secret fields themselves: nothing of the value is quoted."""
    reports = {
        "invalid REDIS_URL": report_of(lambda: load_chat(REDIS_URL=BAD_REDIS)),
        "invalid REDIS_URL_FILE": report_of(
            lambda: load_chat(REDIS_URL_FILE=write_secret_file(chat_dir, "redis", BAD_REDIS))
        ),
        "invalid APP_REDIS_URL": report_of(lambda: load_chat(APP_REDIS_URL=BAD_REDIS)),
    }
    (chat_dir / "settings.toml").write_text(
        CHAT_SETTINGS_TOML.replace(
            'api_key = "development-llm-key"', f'api_key = ["{API_KEY.value}"]'
        )
        + f'\n[testing.database]\noptions = {{ sslmode = "{redis_url()}" }}\n'
        + f'\n[testing.more]\nredis_url = "{BAD_REDIS}"\n',
        encoding="utf-8",
    )
    reports["api_key a list, and a URL where an option goes"] = report_of(lambda: load_chat())
    (chat_dir / "settings.toml").write_text(
        CHAT_SETTINGS_TOML + f'\n[testing.features]\nsearch = "{redis_url()}"\n'
        f'redis_url = "{BAD_REDIS}"\n',
        encoding="utf-8",
    )
    reports["a URL where a flag goes"] = report_of(lambda: load_chat())
    outputs: dict[str, str] = {}
    for name, exc in reports.items():
        outputs.update(exception_texts(exc, name))
    no_leak(outputs)
    assert "redis_url" in str(reports["invalid REDIS_URL"])
    assert "llm.api_key" in str(reports["api_key a list, and a URL where an option goes"])


def test_every_other_report_with_the_secrets_set(load_chat: Load) -> None:
    reports = {
        "other invalid values": report_of(
            lambda: load_chat(**CANARY_ENVIRON, APP_DATABASE__PORT="0", APP_LOG_LEVEL="loud")
        ),
        "a conflict": report_of(
            lambda: load_chat(
                **CANARY_ENVIRON,
                APP_LLM__API_KEY="another-key-0123456789",
                APP_REDIS_URL=redis_url("another-password"),
            )
        ),
        "the reverse conflict": report_of(
            lambda: load_chat(LLM_API_KEY="another-key-0123456789", APP_LLM__API_KEY=API_KEY.value)
        ),
        "production refused": report_of(
            lambda: load_chat(
                "production", **CANARY_ENVIRON, **PRODUCTION_ENVIRON, APP_DEBUG="true"
            )
        ),
        "a misspelled variable holding the secret": report_of(
            lambda: load_chat(APP_LLM__API_KYE=API_KEY.value, APP_DATABASE__PORT="0")
        ),
    }
    assert {p.key for p in reports["a conflict"].problems} == {"llm.api_key", "redis_url"}
    outputs: dict[str, str] = {}
    for name, exc in reports.items():
        outputs.update(exception_texts(exc, name))
    no_leak(outputs)


def secrets_in_files(chat_dir: Path) -> None:
    """Production's secrets in .secrets.toml, so that ``diff`` compares them across environments."""
    (chat_dir / ".secrets.toml").write_text(
        f'[production]\nredis_url = "{redis_url()}"\n\n[production.llm]\n'
        f'api_key = "{API_KEY.value}"\n',
        encoding="utf-8",
    )


COMMANDS = [
    "show",
    "show --format json",
    "show --format toml",
    "show --env production",
    "show --env production --format json",
    "show --env production --format toml",
    "explain llm.api_key",
    "explain llm.api_key --format json",
    "explain llm.api_key --env production",
    "explain llm.api_key --env production --format json",
    "explain redis_url",
    "explain redis_url --format json",
    "explain redis_url --env production",
    "explain llm",
    "explain llm --format json",
    "check",
    "check --format json",
    "check --deploy",
    "check --env production",
    "check --all-envs",
    "check --all-envs --deploy --format json",
    "diff",
    "diff testing production",
    "diff testing production --format json",
    "diff production",
    "diff production --format json",
    "schema",
]
SCENARIOS = {
    "files": PRODUCTION_ENVIRON,
    "variables": {**CANARY_ENVIRON, **PRODUCTION_ENVIRON},
    "invalid URL": {**PRODUCTION_ENVIRON, "LLM_API_KEY": API_KEY.value, "REDIS_URL": BAD_REDIS},
    "conflict": {**CANARY_ENVIRON, **PRODUCTION_ENVIRON, "APP_LLM__API_KEY": "another-key"},
    "unknown variable": {**CANARY_ENVIRON, **PRODUCTION_ENVIRON, "APP_LLM__API_KYE": API_KEY.value},
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_command_in_every_format(
    chat_dir: Path, capsys: pytest.CaptureFixture[str], scenario: str
) -> None:
    secrets_in_files(chat_dir)
    environ = {"ENV_FOR_DYNACONF": "testing", **SCENARIOS[scenario]}
    outputs: dict[str, str] = {}
    statuses = {}
    for command in COMMANDS:
        argv = [*command.split(), "--root", str(chat_dir), "--model", MODEL_PATH]
        statuses[command] = main(argv, environ=environ)
        out, err = capsys.readouterr()
        outputs[f"{command}: stdout"], outputs[f"{command}: stderr"] = out, err
    no_leak(outputs)
    if scenario == "files":  # production's secrets differ from testing's
        diff = outputs["diff testing production: stdout"]
        assert "llm.api_key" in diff
        assert "redis_url" in diff
    if scenario in ("files", "variables"):  # it printed the settings, masked, and judged them
        assert statuses["show"] == statuses["explain llm.api_key"] == 0
        assert MASK in outputs["explain llm.api_key --env production: stdout"]
        shown = json.loads(outputs["show --env production --format json: stdout"])
        assert shown["llm"]["api_key"] == MASK
        assert shown["redis_url"].startswith(f"redis://:{MASK}@")
    else:
        assert statuses["show"] == statuses["check"] == (0 if scenario == "unknown variable" else 1)


def test_a_real_process_prints_no_secret(chat_dir: Path) -> None:
    secrets_in_files(chat_dir)
    outputs = {}
    for command in (
        "show --env production --format json",
        "explain llm.api_key --env production",
        "diff testing production",
    ):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "settings",
                *command.split(),
                "--root",
                str(chat_dir),
                "--model",
                MODEL_PATH,
            ],
            cwd=REPO,
            env={**_clean_environ(), **CANARY_ENVIRON, **PRODUCTION_ENVIRON},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs[f"{command}: stdout"], outputs[f"{command}: stderr"] = result.stdout, result.stderr
    no_leak(outputs)
    shown = json.loads(outputs["show --env production --format json: stdout"])
    assert shown["llm"]["api_key"] == MASK


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in clean_environ().items() if k not in ("LLM_API_KEY", "REDIS_URL")}


async def test_the_app_s_log_and_responses_debug_500_included(
    chat_process: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name, value in CANARY_ENVIRON.items():
        chat_process.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    outputs: dict[str, str] = {}
    async with app_client(create_app()) as client:
        for path in ("/llm", "/features", "/settings", "/boom", "/nowhere"):
            response = await client.get(path)
            outputs[f"GET {path}"] = f"{response.status_code} {response.headers} {response.text}"
            if path == "/boom":
                body = response.json()
    outputs["log"] = caplog.text
    no_leak(outputs)
    assert body["error"].startswith("RuntimeError: llm refused key")  # the debug page, shown
    assert body["traceback"]
    assert "redis://" in body["error"]
    assert "Unhandled RuntimeError" in caplog.text
    assert "LlmConfig(" in outputs["GET /settings"]
    assert MASK in outputs["GET /settings"]


async def test_a_start_refused_prints_no_secret(
    chat_process: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat_process.setenv("LLM_API_KEY", API_KEY.value)
    chat_process.setenv("REDIS_URL", BAD_REDIS)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ImproperlyConfigured) as caught:
        async with app_client(create_app()):
            pass
    out, err = capsys.readouterr()
    assert "redis_url" in str(caught.value)
    no_leak(
        {"stdout": out, "stderr": err, "log": caplog.text, **exception_texts(caught.value, "start")}
    )


def serve(chat_dir: Path, **environ: str) -> subprocess.Popen[str]:
    """``uvicorn`` serving the chat app from the chat project's directory, as deployed."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tests.application.chat.main:create_app",
        "--app-dir",
        str(REPO),
        "--host",
        "127.0.0.1",
        "--port",
        environ.pop("PORT"),
    ]
    return subprocess.Popen(
        command,
        cwd=chat_dir,
        env={**clean_environ(), **environ},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_real_server_s_log_and_responses(chat_dir: Path) -> None:
    port = str(free_port())
    process = serve(
        chat_dir,
        PORT=port,
        ENV_FOR_DYNACONF="testing",
        **CANARY_ENVIRON,
        APP_LLM__API_KYE=API_KEY.value,
    )
    outputs: dict[str, str] = {}
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            timeout=5,
            trust_env=False,
            headers={"Host": "localhost"},
        ) as client:  # an allowed host
            wait_until_serving(process, client, "/llm")
            for path in ("/llm", "/settings", "/boom"):
                response = client.get(path)
                outputs[f"GET {path}"] = (
                    f"{response.status_code} {response.headers} {response.text}"
                )
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    outputs |= {"server stdout": out, "server stderr": err}
    no_leak(outputs)
    assert outputs["GET /boom"].startswith("500 ")
    assert "traceback" in outputs["GET /boom"]  # debug is on in testing: the debug body
    assert "Unhandled RuntimeError" in err  # the traceback went to the log
    assert "APP_LLM__API_KYE" in err  # the unknown variable's warning, by name only


def test_a_real_server_refusing_to_start(chat_dir: Path) -> None:
    process = serve(
        chat_dir,
        PORT=str(free_port()),
        ENV_FOR_DYNACONF="testing",
        LLM_API_KEY=API_KEY.value,
        REDIS_URL=BAD_REDIS,
    )
    out, err = process.communicate(timeout=60)
    assert process.returncode == 3, err
    assert "redis_url" in err[err.index("Improperly configured") :]
    no_leak({"server stdout": out, "server stderr": err})
