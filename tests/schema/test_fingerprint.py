"""``settings.fingerprint``: the same in every process for the same files and variables,
changed by any value, a rotated secret included, and revealing nothing about secrets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import AnyUrl, BaseModel, SecretBytes, SecretStr

from app.config import AppSettings as ReferenceSettings
from settings import Settings
from settings.schema._fingerprint import _plain
from tests.support.app_client import running
from tests.support.uvicorn import clean_environ
from tests.support.work_app import create_work_app

KEY = "tests-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"
HEX = re.compile(r"[0-9a-f]{12}")


def shown_fingerprint(root: Path, **environ: str) -> str:
    """The fingerprint ``python -m settings show`` prints, from a process of its own."""
    result = subprocess.run(
        [sys.executable, "-m", "settings", "show", "--env", "testing"],
        cwd=root,
        env=clean_environ({"PYTHONHASHSEED": "random", **environ}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    header = result.stdout.splitlines()[0]
    match = re.search(r"; fingerprint ([0-9a-f]+)$", header)
    assert match is not None, header
    return match.group(1)


def test_the_same_files_and_variables_give_the_same_fingerprint_in_every_process(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    here = make_settings(DB_PASSWORD="pw-1")

    first = shown_fingerprint(tmp_path, DB_PASSWORD="pw-1")
    second = shown_fingerprint(tmp_path, DB_PASSWORD="pw-1")

    assert HEX.fullmatch(first)
    assert first == second == here.fingerprint


def test_a_rotated_secret_or_any_value_changes_it(make_settings: Callable[..., Settings]) -> None:
    base = make_settings(DB_PASSWORD="pw-1")

    assert make_settings(DB_PASSWORD="pw-1").fingerprint == base.fingerprint
    assert make_settings(DB_PASSWORD="pw-2").fingerprint != base.fingerprint
    assert make_settings(DB_PASSWORD="pw-1", SECRET_KEY=KEY + "x").fingerprint != base.fingerprint
    assert make_settings(DB_PASSWORD="pw-1", APP_DEBUG="true").fingerprint != base.fingerprint
    assert (
        make_settings(DB_PASSWORD="pw-1", APP_DATABASE__POOL__SIZE="3").fingerprint
        != base.fingerprint
    )


class Vault(BaseModel):
    token: SecretBytes = SecretBytes(b"")
    keys: dict[str, SecretStr] = {}
    endpoint: AnyUrl | None = None
    dsn: str = ""


class AppSettings(Settings):
    """An application's own model: secrets at any depth, in a dict, in URLs typed or not."""

    vault: Vault = Vault()


def test_an_applications_own_secrets_enter_only_through_hmac() -> None:
    secrets = {
        "token": "tok-3f9a",
        "key": "key-8c1e",
        "url-pw": "urlpw-51d0",
        "dsn-pw": "dsnpw-7be2",
    }

    def make(**changes: str) -> AppSettings:
        given = {**secrets, **changes}
        return AppSettings(
            secret_key=SecretStr(KEY),
            vault=Vault(
                token=SecretBytes(given["token"].encode()),
                keys={"signing": SecretStr(given["key"])},
                endpoint=AnyUrl(f"https://svc:{given['url-pw']}@vault.example/v1"),
                dsn=f"redis://default:{given['dsn-pw']}@cache.example:6379/0",
            ),
        )

    base = make()
    plain = json.dumps(_plain(base, KEY.encode()))

    for secret in secrets.values():
        assert secret not in plain
    for name in secrets:
        assert make(**{name: secrets[name] + "-rotated"}).fingerprint != base.fingerprint, name
    assert make().fingerprint == base.fingerprint


async def test_readiness_and_the_startup_line_show_it(
    make_settings: Callable[..., Settings], caplog
) -> None:
    # The app completes the given settings as its own model: that is the object it serves.
    settings = ReferenceSettings.model_validate(make_settings().model_dump())
    with caplog.at_level("INFO", logger="app"):
        async with running(create_work_app(settings)) as client:
            ready = (await client.get("/health/ready")).json()

    [entry] = ready["checks"]["settings:fingerprint"]
    assert entry["observedValue"] == settings.fingerprint
    assert f"fingerprint {settings.fingerprint}" in caplog.text
