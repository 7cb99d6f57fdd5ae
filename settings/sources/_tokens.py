"""Dynaconf's tokens in the files' strings, evaluated by Dynaconf.

This is the only module that imports Dynaconf, and only when a file uses a token. It works in
two passes, because the second needs the first's result:

1. :func:`merge_tokens`, per table: the tokens that say how a value combines with the lower
   layers become markers (:mod:`settings.merge._markers`) that the merge applies: ``@del``,
   ``@empty``, ``@merge``, ``@merge_unique``, ``@insert``, ``@reset``.
2. :func:`evaluate_tokens`, on the active layers: every other token (``@format``, ``@jinja``,
   ``@int``, ``@json``, ``@get``, ``@read_file`` ...), in list items, tables inside lists and
   markers' values too, but only in the values that win the merge, as Dynaconf, which
   evaluates a token when its key is read, never evaluates one a higher layer overrides.
   ``@read_file`` reads as a ``_FILE`` variable's file is read (:func:`_read_file`).
   ``{env[X]}`` reads the injected environment, inside ``@read_file`` too; ``this`` is the
   merged values, markers applied and environment variables included, as Dynaconf's ``this``
   would be, with ``this.current_env``. As in Dynaconf, the tokens inside an ``@merge`` value
   stay text.

Environment variables never pass through here: they stay literal text.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from settings._errors import Problem
from settings._provenance import FILE_ORIGIN, MISSING, Layer
from settings._redact import mask_text
from settings.merge import flatten, merge, unflatten
from settings.merge._markers import (
    Extend,
    Insert,
    Replace,
    Unset,
    Verbatim,
    leaf_values,
    map_leaves,
)
from settings.sources._files import MissingFileError, read_regular_file
from settings.sources._marks import Defaults, extend, merged_table, schema_default
from settings.sources._this import This, plain

#: The tokens that say how a value combines with what the lower layers set.
MERGE_TOKENS = ("@del", "@empty", "@merge", "@merge_unique", "@insert", "@reset")
# AUTO_CAST given here, or Dynaconf reads it from os.environ and may skip every token.
_BOX = {"AUTO_CAST_FOR_DYNACONF": True}


def merge_tokens(
    values: Mapping[str, Any],
    defaults: Defaults,
    is_secret: Callable[[str], bool],
    prefix: str = "",
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A table's flat ``values`` with its merge tokens as markers, and (key, why) for each
    token that fails. ``@merge {...}`` on a table becomes the table's keys, merged in."""
    result: dict[str, Any] = {}
    failed = []
    for key, value in values.items():
        dotted = prefix + key
        if isinstance(value, Replace):  # a table that replaces: its own values may hold tokens
            inner, problems = merge_tokens(value.values, defaults, is_secret, f"{dotted}.")
            result[key] = value.with_values(inner)
            failed += problems
        elif _token(value) in MERGE_TOKENS:
            try:
                marked = _marker(dotted, value, defaults)
            except Exception as exc:  # Dynaconf raises many types; all mean a bad token
                failed.append((dotted, _failure(_token(value), exc, secret=is_secret(dotted))))
            else:
                result.update({k.removeprefix(prefix): v for k, v in marked.items()})
        else:
            result[key] = value
    return result, failed


def _marker(key: str, text: str, defaults: Defaults) -> dict[str, Any]:
    token = text.partition(" ")[0]
    if token in ("@del", "@empty"):  # @empty: Dynaconf's "no value here", so defaults apply
        return {key: Unset(token)}
    from dynaconf.utils.parse_conf import Insert as InsertToken
    from dynaconf.utils.parse_conf import Merge, parse_conf_data

    with warnings.catch_warnings():  # @reset's deprecation warning quotes the value
        warnings.simplefilter("ignore")
        parsed = parse_conf_data(text, tomlfy=False, box_settings=_BOX)
    value = _unboxed(parsed.value)
    if isinstance(parsed, InsertToken):
        return {key: Insert(parsed.index, value, schema_default(key, defaults), token)}
    # Dynaconf keeps the tokens inside an @merge value as text: so do we (Verbatim).
    if isinstance(parsed, Merge) and isinstance(value, dict):
        merged = merged_table(_lowered(value), key, parsed.unique, defaults)
        return {k: _verbatim(v) for k, v in merged.items()}
    if isinstance(parsed, Merge) and isinstance(value, list):
        return {key: _verbatim(extend(key, value, parsed.unique, token, defaults))}
    if isinstance(parsed, Merge):
        raise ValueError("needs a list or a table to merge")
    if isinstance(value, dict):  # @reset {...}: this table, not merged into the one below
        return {key: Replace(flatten(_lowered(value)), token)}
    return {key: value}


def _verbatim(value: Any) -> Any:
    if isinstance(value, Extend):
        return value.with_items(value.items, verbatim=True)
    return value if isinstance(value, Replace | Unset) else Verbatim(value)


def evaluate_tokens(
    layers: list[Layer],
    environ: Mapping[str, str],
    variables: list[Layer],
    is_secret: Callable[[str], bool],
    environment: str | None = None,
    secret_paths: Iterable[str] = (),
) -> list[Problem]:
    """Apply the other tokens of the files' ``layers``, in place.

    Only the values that win are evaluated, as in Dynaconf, which evaluates a token when its
    key is read: a token that a higher layer (a file, a variable) overrides stays as written,
    and cannot fail the load. What a winning token reads through ``this`` is the winning value
    too. ``variables`` are the environment's layers: ``this`` sees them, but they are not
    evaluated. ``environment`` is ``this.current_env``. ``secret_paths`` are the files that
    gave a secret its value (``DB_PASSWORD_FILE``'s, ``secrets_dir``'s): ``@read_file`` of one
    reads a secret. Returns a problem, with key and origin, for every token that fails.
    """
    if not any(_pending(v) for layer in layers for v in layer.values.values()):
        return []  # Dynaconf is imported only for files that use its tokens
    literal = frozenset(key for layer in variables for key in layer.values)
    values, history = merge([*layers, *variables])
    winning = _winning(layers, values, history)
    marked = {k: _marked(v, k) if is_secret(k) else v for k, v in values.items()}
    this = This(
        unflatten(marked),
        literal,
        lambda value: _still_marked(value, _evaluate(value, reading, this)),
        _cast,
        current_env=environment,
    )
    reading = _Environ(environ, _secret_variables(variables, is_secret), this, secret_paths)
    problems: list[Problem] = []
    for index, layer in enumerate(layers):
        layers[index] = _evaluated(layer, winning, reading, this, is_secret, problems)
    return problems


def _evaluated(
    layer: Layer,
    winning: set[tuple[str, str]],
    environ: _Environ,
    this: This,
    is_secret: Callable[[str], bool],
    problems: list[Problem],
) -> Layer:
    """``layer`` with the tokens of its winning values evaluated; a token that fails is left
    as written and adds a problem to ``problems``."""

    def evaluated(key: str, value: Any) -> Any:
        if isinstance(value, Replace):  # each of its keys wins or not on its own
            inner = {name: evaluated(f"{key}.{name}", v) for name, v in value.values.items()}
            return value.with_values(inner)
        if (layer.origin, key) not in winning or not _pending(value):
            return value
        this.read = reads = _Reads()  # what this key's tokens read, and nothing else
        try:
            result = map_leaves(value, lambda leaf: _evaluate(leaf, environ, this))
        except Exception as exc:  # Dynaconf raises many types; all mean a bad token
            token = next(_name(leaf) for leaf in leaf_values(value) if _pending(leaf))
            failure = _failure(token, exc, secret=is_secret(key), read=this.read)
            problems.append(Problem(key, failure, layer.origin))
            return value
        if reads.secrets and not is_secret(key):
            problems.append(_reads_a_secret(key, reads.secrets, layer.origin))
            return value  # the token as written: its result is never shown
        return map_leaves(result, _unmarked)

    return Layer(layer.origin, {key: evaluated(key, value) for key, value in layer.values.items()})


def _winning(
    layers: list[Layer], values: Mapping[str, Any], history: Mapping[str, Any]
) -> set[tuple[str, str]]:
    """(origin, key) of every file value that the merged ``values`` hold: the last assignment
    of each key, and below an ``@merge``/``@insert`` the value it adds to, and so on down."""
    by_origin = {layer.origin: layer for layer in layers}
    winning = set()
    for key in values:
        for assignment in reversed(history[key]):
            if assignment.removed:
                break
            winning.add((assignment.origin, key))
            layer = by_origin.get(assignment.origin)
            if layer is None or not isinstance(_assigned(layer.values, key), Extend | Insert):
                break
    return winning


def _assigned(values: Mapping[str, Any], key: str) -> Any:
    """What a layer's ``values`` give ``key``: its own value, or one inside a table it replaces."""
    if key in values:
        return values[key]
    for table, value in values.items():
        if isinstance(value, Replace) and key.startswith(f"{table}."):
            return _assigned(value.values, key.removeprefix(f"{table}."))
    return MISSING


# --- a secret read into a setting that is not secret -----------------------------------------
#
# A token may copy a secret into a plain setting and change it on the way (``{{ this.secret_key
# | reverse }}``, a slice, ``{x:.5}``): no mask can recognise such a copy. So a token of a key
# that is not secret may not read a secret at all, through ``this`` or ``env``. Whether it does
# depends on which keys it reads, never on the secret's value: the refusal tells nothing of it.


class _SecretText(str):
    """A secret's text as ``this`` or ``env`` hand it to a token, marked with where it is."""

    where: str


def _mark(text: str, where: str) -> _SecretText:
    marked = _SecretText(text)
    marked.where = where
    return marked


def _marked(value: Any, where: str) -> Any:
    """``value`` with every text in it marked as the secret at ``where``; a number a file
    wrote for a secret is its text (``secret_key = 7319...``), marked too."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        return _mark(value, where)
    if isinstance(value, list):
        return [_marked(item, where) for item in value]
    if isinstance(value, dict):
        return {name: _marked(item, where) for name, item in value.items()}
    return value


def _still_marked(given: Any, result: Any) -> Any:
    """A secret's value evaluated (``secret_key = "@format {env[KEY]}"``) is still the secret."""
    return _marked(result, given.where) if isinstance(given, _SecretText) else result


def _unmarked(value: Any) -> Any:
    return str.__str__(value) if isinstance(value, _SecretText) else value


class _Reads(set[str]):
    """``This.read`` for one key: the texts its tokens read, and which of them were secrets."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def update(self, *others: Iterable[str]) -> None:
        for texts in others:
            texts = list(texts)
            self.secrets.update(t.where for t in texts if isinstance(t, _SecretText))
            super().update(texts)


def _secret_variables(variables: list[Layer], is_secret: Callable[[str], bool]) -> set[str]:
    """The names of the variables that set a secret (``DB_PASSWORD``, ``DATABASE_URL``)."""
    return {
        layer.origin.rpartition(" ")[2]
        for layer in variables
        if not layer.origin.startswith(FILE_ORIGIN) and any(map(is_secret, layer.values))
    }


class _Environ(Mapping[str, str]):
    """The environment as tokens read it (``{env[X]}``, ``env.X`` in ``@jinja``), each read of
    a variable that sets a secret recorded in ``this.read``."""

    def __init__(
        self, environ: Mapping[str, str], secret: set[str], this: This, paths: Iterable[str] = ()
    ) -> None:
        self._environ, self._secret, self._this = environ, secret, this
        self._paths = {os.path.realpath(path) for path in paths}

    def read_file(self, value: str) -> str:
        """``@read_file``'s content (:func:`_read_file`), recorded in ``this.read`` as a secret
        when the file is one that gave a secret its value."""
        path, content = _read_file(value)
        if os.path.realpath(path) in self._paths:
            self._this.read.update([_mark(content, f"file {path}")])
        return content

    def __getitem__(self, name: str) -> str:
        value = self._environ[name]
        if name in self._secret:
            self._this.read.update([_mark(value, f"env {name}")])
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


def _reads_a_secret(key: str, secrets: set[str], origin: str) -> Problem:
    read = ", ".join(sorted(secrets))
    return Problem(
        key,
        f"a token here reads a secret ({read}) into a setting that is not secret; its result "
        "is not used, since a changed copy of a secret (upper case, reversed, a slice) cannot "
        "be masked",
        origin,
        hint=f"declare {key} a secret in the model (SecretStr), or set it without reading "
        "the secret",
    )


def _evaluate(value: Any, environ: _Environ, this: This) -> Any:
    """One string or Dynaconf ``Lazy``, evaluated; anything else as it is."""
    if not _pending(value):
        return value
    if _token(value) in MERGE_TOKENS:
        raise ValueError("applies to a whole value, not to an item inside one")
    from dynaconf.utils.parse_conf import Lazy, parse_conf_data

    parsed = value if _is_lazy(value) else parse_conf_data(value, box_settings=_BOX)
    if isinstance(parsed, Lazy):
        lazy = parsed
        # ``@read_file @format {env[X]}``: Dynaconf would evaluate the inner token with
        # os.environ; evaluated here first, it reads the injected environment.
        inner = _evaluate(lazy.value, environ, this) if _is_lazy(lazy.value) else lazy.value
        with warnings.catch_warnings():  # Dynaconf turns a sandbox refusal into a warning and ""
            warnings.filterwarnings("error", message="Unsafe access attempt", module="dynaconf")
            if str(lazy.formatter) == "jinja":
                parsed = _render_jinja(inner, env=environ, this=this)
            elif str(lazy.formatter) == "read_file":
                parsed = environ.read_file(inner)
            else:
                parsed = plain(lazy.formatter(inner, env=environ, this=this))  # @get a table
        if lazy.casting is not None:
            parsed = lazy.casting(parsed)
    return _unboxed(parsed)


def _read_file(value: str) -> tuple[str, str]:
    """``@read_file path [default]``, as Dynaconf documents it (a path with spaces quoted), but
    read as a ``_FILE`` variable's file is: a regular file of at most ``MAX_FILE_BYTES``, never
    a FIFO or device, and never read whole when larger (Dynaconf reads any size). The path and
    what was read (the default, for a file that does not exist)."""
    from settings.sources._environ import MAX_FILE_BYTES

    text = value.strip()
    if text[:1] in ('"', "'") and text.find(text[0], 1) > 0:
        end = text.find(text[0], 1)
        path, default = text[1:end], text[end + 1 :].strip()
    else:
        path, _, default = text.partition(" ")
        default = default.strip()
    if not path:
        raise ValueError("no path to read")
    try:
        content = read_regular_file(path, limit=MAX_FILE_BYTES)
    except MissingFileError:
        if default:
            return path, default
        raise ValueError(f"{path} does not exist and no default value is given") from None
    except ValueError as exc:
        if "larger than" in str(exc):
            raise ValueError(f"{path} is larger than {MAX_FILE_BYTES // 1024} KiB") from None
        raise
    try:
        return path, content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None


def _render_jinja(template: str, **context: Any) -> str:
    """``@jinja``, as Dynaconf renders it, except that whatever the sandbox refuses is an error.

    Dynaconf's sandbox renders an unsafe attribute (``{{ ''.__class__ }}``) as ``""`` and turns
    a refused call into a warning and ``""``: a value silently emptied.
    """
    from jinja2.exceptions import SecurityError

    try:
        return str(_sandbox().from_string(template).render(**context))
    except SecurityError as exc:
        raise ValueError(f"refused by Jinja's sandbox ({exc})") from None


@functools.cache
def _sandbox() -> Any:
    from dynaconf.utils import parse_conf
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class StrictSandbox(SandboxedEnvironment):
        def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
            message = f"access to attribute {attribute!r} of {type(obj).__name__!r} is unsafe"
            raise SecurityError(message)

    sandbox = StrictSandbox()
    sandbox.filters.update(parse_conf.jinja_env.filters)  # Dynaconf's os.path filters
    # ``this.database | tojson``: a table read through ``this`` is JSON as Dynaconf's box is.
    dumps = {**sandbox.policies["json.dumps_kwargs"], "default": _json_default}
    sandbox.policies["json.dumps_kwargs"] = dumps
    return sandbox


def _json_default(value: Any) -> Any:
    if isinstance(value, This):
        return plain(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _cast(converter: str, value: Any) -> Any:
    """``@get key @int``: a Dynaconf converter applied to a value ``this`` read."""
    from dynaconf.utils.parse_conf import apply_converter

    return apply_converter(converter, value, box_settings={})


def _pending(value: Any) -> bool:
    """Whether ``value`` holds a token still to evaluate."""
    return any(_token(leaf) is not None or _is_lazy(leaf) for leaf in leaf_values(value))


def _token(value: Any) -> str | None:
    """``@format`` for ``"@format {x}"``; ``None`` for anything not written as a token."""
    if isinstance(value, str) and value.startswith("@"):
        return value.partition(" ")[0]
    return None


def _name(leaf: Any) -> str:
    return f"@{leaf.formatter}" if _is_lazy(leaf) else str(_token(leaf))


def _is_lazy(value: Any) -> bool:
    """A Dynaconf ``Lazy`` (``@insert 0 @format ...`` leaves one in a marker)."""
    return getattr(value, "_dynaconf_lazy_format", False) is True


def _failure(
    token: str | None, exc: Exception, *, secret: bool, read: set[str] | None = None
) -> str:
    """What a failed token's problem says: never the error's text for a secret key, and never
    a value the token read (``@int @format {this.secret_key}`` would quote the key)."""
    if secret:
        return f"cannot evaluate {token}"
    texts = read or set()
    # Each text anywhere in the error (mask_text leaves the shortest alone), and a short one
    # where quoted whole ('on', "abc").
    detail = mask_text(str(exc), texts | {repr(t) for t in texts} | {f'"{t}"' for t in texts})
    return f"cannot evaluate {token}: {detail}"


def _unboxed(value: Any) -> Any:
    """Dynaconf's boxes as plain dicts (their ``to_dict()`` warns that it is deprecated)."""
    if isinstance(value, dict):
        return {key: _unboxed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unboxed(item) for item in value]
    return value


def _lowered(table: dict[str, Any]) -> dict[str, Any]:
    """Keys are case-insensitive, as in the files."""
    return {k.lower(): _lowered(v) if isinstance(v, dict) else v for k, v in table.items()}
