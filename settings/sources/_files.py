"""Reading a file the configuration names: a regular file only, and never more than a cap.

A settings file or a ``_FILE`` target that is a FIFO, a device (``/dev/zero``, ``/dev/stdin``
fed by a pipe), a socket or a directory would block the load or read without end. The file is
opened without blocking (``O_NONBLOCK``: opening a FIFO with no writer returns at once), checked
with ``fstat`` on the opened descriptor (so a link swapped after a check cannot slip through),
and read up to ``limit`` bytes plus one, so an oversized file is reported, never loaded.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


#: The optional file of variables beside ``settings.toml`` (:mod:`._dotenv`).
DOTENV_FILE = ".env"


class MissingFileError(ValueError):
    """The path does not exist (an optional file may be absent)."""


def read_regular_file(path: str | Path, *, limit: int) -> bytes:
    """The content of the regular file at ``path`` (links followed), at most ``limit`` bytes.

    Raises :class:`MissingFileError` when nothing is there, and ``ValueError`` naming the path and
    the reason for anything else that cannot be read: not a regular file, too large, denied.
    """
    shown = repr(str(path))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise MissingFileError(f"cannot read {shown}: {exc.strerror}") from None
    except OSError as exc:
        raise ValueError(f"cannot read {shown}: {exc.strerror or exc}") from None
    except ValueError:  # a path with a NUL byte
        raise ValueError(f"cannot read {shown}: not a valid path") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "of another kind")
            raise ValueError(f"cannot read {shown}: it is {kind}, not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ValueError(f"cannot read {shown}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise ValueError(f"cannot read {shown}: it is larger than {limit} bytes")
    return b"".join(chunks)


#: What tells a file's content apart without reading it: size, modification time, inode.
FileState = tuple[int, int, int] | None


def file_states(paths: Iterable[str | Path]) -> tuple[FileState, ...]:
    """The state of each path (links followed; ``None`` when absent or unreadable): two equal
    results around a read mean no file was written or replaced meanwhile."""
    states: list[FileState] = []
    for path in paths:
        try:
            found = os.stat(path)
        except (OSError, ValueError):
            states.append(None)
        else:
            states.append((found.st_size, found.st_mtime_ns, found.st_ino))
    return tuple(states)


def newest_change(paths: Iterable[str | Path]) -> float | None:
    """When the most recently modified of ``paths`` was last written (seconds since the epoch)."""
    times = [state[1] / 1e9 for state in file_states(paths) if state is not None]
    return max(times, default=None)
