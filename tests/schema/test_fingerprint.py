"""``settings.fingerprint``: the same in every process for the same files and variables,
changed by any value, and telling nothing about a secret (a secret counts only as set or empty);
``secrets_version``: changed by a rotated secret, within one process."""

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
from settings.schema._fingerprint import _plain, secrets_version
from tests.support.app_client import running
from tests.support.project import BASE_SETTINGS_TOML
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


def test_any_value_changes_it_a_rotated_secret_changes_the_secrets_version(
    make_settings: Callable[..., Settings],
) -> None:
    base = make_settings(DB_PASSWORD="pw-1")

    assert make_settings(DB_PASSWORD="pw-1").fingerprint == base.fingerprint
    assert make_settings(APP_DEBUG="true", DB_PASSWORD="pw-1").fingerprint != base.fingerprint
    assert (
        make_settings(DB_PASSWORD="pw-1", APP_DATABASE__POOL__SIZE="3").fingerprint
        != base.fingerprint
    )
    assert make_settings(DB_PASSWORD="").fingerprint != base.fingerprint  # set or empty counts
    rotated = [
        make_settings(DB_PASSWORD="pw-2"),
        make_settings(DB_PASSWORD="pw-1", SECRET_KEY=KEY + "x"),
    ]
    assert [other.fingerprint for other in rotated] == [base.fingerprint] * 2
    assert secrets_version(make_settings(DB_PASSWORD="pw-1")) == secrets_version(base)
    assert all(secrets_version(other) != secrets_version(base) for other in rotated)


def test_the_fingerprint_is_no_oracle_for_a_secret(make_settings: Callable[..., Settings]) -> None:
    """Knowing every other value and ``secret_key`` (a committed development key), a guess of
    the password cannot be tested against the public fingerprint (issue 16, item 9): every
    password gives the same one."""
    published = make_settings(DB_PASSWORD="postgres").fingerprint
    guesses = ["postgres", "password", "hunter2", "admin", "p@ss:w/rd?#%"]

    assert {make_settings(DB_PASSWORD=guess).fingerprint for guess in guesses} == {published}


def test_the_secrets_version_differs_from_one_process_to_the_next(tmp_path: Path) -> None:
    """It is keyed by a random key of the process: the same secrets give different versions in
    two processes, so it cannot be computed from a guess either."""
    (tmp_path / "settings.toml").write_text(BASE_SETTINGS_TOML, encoding="utf-8")
    code = (
        "from settings import load_settings;"
        "from settings.schema._fingerprint import secrets_version;"
        "s = load_settings('testing', root='.', environ={'DB_PASSWORD': 'pw-1'});"
        "print(secrets_version(s), secrets_version(s), s.fingerprint)"
    )

    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            env=clean_environ(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.split()
        for _ in range(2)
    ]

    (a, a_again, fingerprint_a), (b, _, fingerprint_b) = runs
    assert a == a_again and a != b
    assert fingerprint_a == fingerprint_b


class Vault(BaseModel):
    token: SecretBytes = SecretBytes(b"")
    keys: dict[str, SecretStr] = {}
    endpoint: AnyUrl | None = None
    dsn: str = ""


class AppSettings(Settings):
    """An application's own model: secrets at any depth, in a dict, in URLs typed or not."""

    vault: Vault = Vault()


def test_an_applications_own_secrets_never_enter_it() -> None:
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
    plain = json.dumps(_plain(base))

    for secret in secrets.values():
        assert secret not in plain
    for name in secrets:
        rotated = make(**{name: secrets[name] + "-rotated"})
        assert rotated.fingerprint == base.fingerprint, name
        assert secrets_version(rotated) != secrets_version(base), name
    assert make(token="").fingerprint != base.fingerprint  # set, then empty
    assert secrets_version(make()) == secrets_version(base)


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
