"""The settings the application's processes ran, saved so that a new process's startup audit
line can say what changed against the settings it replaced.

uvicorn's supervisor restarts its workers on SIGHUP (and a crashed one at any time); each new
worker loads the settings at its start and has nothing of its own to compare them with. So every
process that loaded its settings from the files saves, at its start and after each applied
reload, one small file: its pid, the fingerprint and each key's value **as the audit line shows
it** (a secret only as ``**********`` or empty, a URL without its password). Nothing in it is
secret; it holds what ``python -m settings show`` prints, readable by this user only.

A new process compares itself with, in this order: a live process running other settings (the
old worker a rolling restart is replacing), else a live one running the same (a replacement of
a crashed worker: no change), else the last one saved (the process before a restart). Files of
dead processes are removed, but the newest. A rotated secret cannot be told this way: nothing of
a secret's value is saved (the reload's own line, within one process, does name it).

Where: ``PROMETHEUS_MULTIPROC_DIR`` when set (the directory the workers already share), else a
directory of this user's in the temporary directory, one per working directory. Failing to read
or write there costs the comparison only, never the start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from settings._display import dotted_values, literal
from settings._redact import known_secrets, mask_value
from settings.schema import BaseSettings
from settings.schema._keys import stored_values

__all__ = ["Saved", "previous_settings", "save_settings", "shown_values", "state_directory"]

logger = logging.getLogger("settings.reload")

#: prometheus-client's multiprocess directory (both spellings it reads).
MULTIPROCESS_VARIABLES = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")
_PREFIX = "settings-audit-"


class Saved:
    """What one process ran: its pid, when it saved this, the fingerprint and shown values."""

    __slots__ = ("fingerprint", "pid", "saved", "values")

    def __init__(self, pid: int, saved: float, fingerprint: str, values: Mapping[str, str]) -> None:
        self.pid: Final = pid
        self.saved: Final = saved
        self.fingerprint: Final = fingerprint
        self.values: Final = values  # as the audit line shows them: secrets masked

    def __repr__(self) -> str:
        return (
            f"Saved(pid={self.pid!r}, saved={self.saved!r}, fingerprint={self.fingerprint!r}, "
            f"values={self.values!r})"
        )

    def __eq__(self, other: object) -> bool:  # previous_settings asks ``saved not in live``
        if not isinstance(other, Saved):
            return NotImplemented
        return (self.pid, self.saved, self.fingerprint, self.values) == (
            other.pid,
            other.saved,
            other.fingerprint,
            other.values,
        )


def shown_values(settings: BaseSettings) -> dict[str, str]:
    """Every dotted key's value as the audit line shows it (secrets masked)."""
    model = type(settings)
    secrets = known_secrets(model, settings.sources, settings)
    values = dotted_values(model, stored_values(settings))
    return {key: literal(mask_value(model, key, value, secrets)) for key, value in values.items()}


def state_directory(environ: Mapping[str, str] | None = None) -> Path | None:
    """The directory the processes save their settings in; ``None`` when none is usable."""
    environ = os.environ if environ is None else environ
    for name in MULTIPROCESS_VARIABLES:
        if environ.get(name):
            return Path(environ[name])
    project = hashlib.sha256(str(Path.cwd()).encode()).hexdigest()[:12]
    directory = Path(tempfile.gettempdir()) / f"{_PREFIX}{os.getuid()}-{project}"
    try:
        directory.mkdir(mode=0o700, exist_ok=True)
        status = directory.lstat()
    except OSError:
        return None
    # another user's directory, or a link, in a shared /tmp: not ours to trust
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid():
        return None
    return directory


def save_settings(settings: BaseSettings, directory: Path | None) -> None:
    """Save what this process runs now (atomically: a reader never sees half a file)."""
    if directory is None:
        return
    pid = os.getpid()
    record: dict[str, object] = {"pid": pid, "saved": time.time()}
    record.update(fingerprint=settings.fingerprint, values=shown_values(settings))
    target = directory / f"{_PREFIX}{pid}.json"
    partial = directory / f".{_PREFIX}{pid}.json.partial"
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(record, file)
        os.replace(partial, target)
    except OSError as exc:
        logger.debug("The settings could not be saved for the next start: %s", exc)


def previous_settings(settings: BaseSettings, directory: Path | None) -> Saved | None:
    """What the process this one replaces ran (see the module's docstring); ``None`` when
    nothing was saved. Removes the files of dead processes, but the newest."""
    if directory is None:
        return None
    found = [saved for saved in _read_all(directory) if saved.pid != os.getpid()]
    found.sort(key=lambda saved: saved.saved, reverse=True)
    live = [saved for saved in found if _alive(saved.pid)]
    dead = [saved for saved in found if saved not in live]
    for saved in dead[1:]:
        (directory / f"{_PREFIX}{saved.pid}.json").unlink(missing_ok=True)
    other = [saved for saved in live if saved.fingerprint != settings.fingerprint]
    chosen = other or live or dead
    return chosen[0] if chosen else None


def _read_all(directory: Path) -> list[Saved]:
    found = []
    for path in directory.glob(f"{_PREFIX}*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            values = {str(key): str(value) for key, value in record["values"].items()}
            found.append(
                Saved(int(record["pid"]), float(record["saved"]), record["fingerprint"], values)
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # removed meanwhile, or not ours: no comparison with it
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
