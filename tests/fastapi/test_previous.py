"""settings/fastapi/_previous.py: a start's audit line compares with the settings the process
it replaces ran, saved by that process (another one, really started here), never a secret.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from settings.fastapi._audit import audit_line
from settings.fastapi._previous import previous_settings, save_settings, state_directory
from settings.schema._fingerprint import secrets_version
from tests.support.environ import clean_environ
from tests.support.project import Project

CANARY = "saved-secret-canary-0123456789abcdef"

#: Another process: loads the project's settings, saves them, says so, then lives ``argv[1]`` s.
SAVER = """\
import sys, time
from settings import load_settings
from settings.fastapi._previous import save_settings, state_directory
save_settings(load_settings(), state_directory())
print("saved", flush=True)
time.sleep(float(sys.argv[1]))
"""


def another_process(
    project: Project, state: Path, lives: float, **environ: str
) -> subprocess.Popen[bytes]:
    """A process that saved ``project``'s settings in ``state``; it has exited unless
    ``lives`` (seconds) is long enough."""
    process = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(lives)],
        cwd=project.root,
        env=clean_environ(environ, PROMETHEUS_MULTIPROC_DIR=str(state)),
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    with process.stdout:
        assert process.stdout.readline() == b"saved\n"
    if not lives:
        process.wait(timeout=30)
    return process


def test_a_start_lists_what_changed_against_the_process_before_it(
    project: Project, tmp_path: Path
) -> None:
    state = tmp_path / "multiprocess"
    state.mkdir()
    project.write(".secrets.toml", f"[default.database]\npassword = '{CANARY}'\n")
    pid = another_process(project, state, 0).pid
    (project.root / ".secrets.toml").unlink()
    new = project.load({"APP_DATABASE__POOL__SIZE": "7"})

    saved = previous_settings(new, state_directory({"PROMETHEUS_MULTIPROC_DIR": str(state)}))
    line = audit_line("startup", None, new, saved=saved)

    assert saved is not None and saved.pid == pid
    assert line == (
        f"Audit: settings startup; environment development; secrets none -> "
        f"{secrets_version(new)}; fingerprint {saved.fingerprint} -> {new.fingerprint} since "
        f"process {pid}; 2 changed: database.password changed (schema default), "
        "database.pool.size 5 -> 7 (env APP_DATABASE__POOL__SIZE)"
    )
    written = "".join(path.read_text() for path in state.iterdir())
    assert CANARY not in written and '"database.password": "\\"**********\\""' in written
    assert [oct(path.stat().st_mode & 0o777) for path in state.iterdir()] == ["0o600"]


def test_a_value_the_process_before_showed_is_masked_when_it_is_a_secret_now(
    project: Project, tmp_path: Path
) -> None:
    """The process before saved ``database.username`` as it showed it; this process's password
    is that same text, so the line shows neither side of it."""
    state = tmp_path / "multiprocess"
    state.mkdir()
    username = "leak-app-reused-0123"
    another_process(project, state, 0, APP_DATABASE__USERNAME=username)
    new = project.load({"APP_DATABASE__USERNAME": username, "DB_PASSWORD": username})

    saved = previous_settings(new, state_directory({"PROMETHEUS_MULTIPROC_DIR": str(state)}))
    line = audit_line("startup", None, new, saved=saved)

    assert username not in line, line
    assert "database.password changed" in line


def test_a_live_process_on_other_settings_is_the_one_replaced(
    project: Project, tmp_path: Path
) -> None:
    state = tmp_path / "multiprocess"
    state.mkdir()
    older = another_process(project, state, 0, APP_DATABASE__POOL__SIZE="3").pid
    newest_dead = another_process(project, state, 0, APP_DATABASE__POOL__SIZE="4").pid
    live = another_process(project, state, 60)  # a worker already on the new settings
    live_old = another_process(project, state, 60, APP_DEBUG="false")
    same, old = live.pid, live_old.pid
    try:
        new = project.load({})
        replaced = previous_settings(new, state)
        live_old.kill()
        live_old.wait()
        beside = previous_settings(new, state)
    finally:
        for process in (live, live_old):
            process.kill()
            process.wait()
    files = sorted(path.name for path in state.iterdir())

    assert replaced is not None and replaced.pid == old
    assert audit_line("startup", None, new, saved=replaced).endswith(
        f"since process {old}; 1 changed: debug false -> true (settings.toml [development])"
    )
    assert beside is not None and beside.pid == same  # a restarted worker beside a live one
    assert audit_line("startup", None, new, saved=beside).endswith("; no change")
    assert older not in {replaced.pid, beside.pid}
    # the files of dead processes are removed, but the newest one's
    assert files == sorted(f"settings-audit-{pid}.json" for pid in (same, old))
    assert newest_dead not in {replaced.pid, beside.pid}


def test_nothing_saved_gives_the_line_of_a_first_start(project: Project, tmp_path: Path) -> None:
    settings = project.load({})
    state = tmp_path / "multiprocess"
    state.mkdir()

    first = audit_line("startup", None, settings, saved=previous_settings(settings, state))
    save_settings(settings, state)
    own = previous_settings(settings, state)  # this process's own file is not a predecessor

    assert first.endswith(f"fingerprint none -> {settings.fingerprint}")
    assert own is None
