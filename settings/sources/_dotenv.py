"""``.env``: variables for local development, as if set in the environment, below the real one.

The optional, git-ignored ``.env`` beside ``settings.toml`` (Dynaconf's ``load_dotenv``,
pydantic-settings' ``env_file``, docker compose's ``.env``) holds ``KEY=value`` lines in docker
compose's syntax: quotes, ``#`` comments, an ``export`` prefix. python-dotenv parses it; this
module only reads the file, safely:

- only a regular file is read, opened without blocking and checked on the opened descriptor,
  so a directory or a FIFO is a clear error naming the path, never a hang;
- at most :data:`MAX_DOTENV_BYTES` are read: a larger file is an error, never loaded;
- UTF-8 (a byte-order mark is accepted), and a line python-dotenv cannot parse is an error
  naming its line, not a silent gap.

Values are literal text, as for real variables: ``${VAR}`` is not expanded (python-dotenv's
interpolation would read the process's environment, which a pure load must not), and a
password holding ``$`` reaches the database byte for byte. A line with a name and no ``=``
(``KEY``) sets nothing: docker compose takes such a variable from the environment, which
outranks ``.env`` anyway.
"""

from __future__ import annotations

import io
from pathlib import Path

from settings._errors import ImproperlyConfigured, Problem
from settings.sources._files import DOTENV_FILE, MissingFileError, read_regular_file

MAX_DOTENV_BYTES = 256 * 1024


def read_dotenv(root: Path, name: str = DOTENV_FILE) -> dict[str, str] | None:
    """The variables of ``root/name`` (``.env``, or a file of the model's ``env_file``), or
    ``None`` when there is no such file.

    Raises :class:`ImproperlyConfigured` naming the path when it cannot be read or parsed.
    """
    path = root / name
    try:
        raw = read_regular_file(path, limit=MAX_DOTENV_BYTES)
    except MissingFileError:
        return None
    except ValueError as exc:
        raise _error(str(exc), name) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise _error(f"{path} is not UTF-8 (byte {exc.start})", name) from None
    from dotenv import dotenv_values  # only where a .env exists: most loads have none
    from dotenv.parser import parse_stream

    bad = [binding.original.line for binding in parse_stream(io.StringIO(text)) if binding.error]
    if bad:
        lines = ", ".join(str(line) for line in bad)
        raise _error(f"{path}: cannot parse line {lines}; write KEY=value", name)
    values = dotenv_values(stream=io.StringIO(text), interpolate=False)
    return {name: value for name, value in values.items() if value is not None}


def _error(message: str, name: str) -> ImproperlyConfigured:
    return ImproperlyConfigured([Problem("settings", message, name)])
