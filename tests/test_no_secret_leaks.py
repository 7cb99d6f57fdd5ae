"""No secret reaches any output: one table of the ways a secret arrives, swept through every
output a user, a log or a client can see.

The ways a secret arrives (the rows):

- ROUTES x SCENARIOS, the reference model: each route (a settings file, a variable, its
  ``_FILE`` twin, ``DATABASE_URL`` in three spellings, a copy in a plain setting) in each
  configuration around it (valid in testing and production, refused by the deployment rules,
  invalid elsewhere, contradicted by a rival variable).
- MALFORMED: configurations that cannot load, each with the secret in a shape of its own (a raw
  password in a URL, an unsupported scheme, two passwords, a variable and its file, a misspelled
  key, a bad token, a TOML syntax error, a secret where a table goes, a copy a validator folds
  to lower case, a copy a token changes).
- CHAT_SCENARIOS and the reports below them: an application's own model (the chat project),
  whose secrets the framework finds by type alone (a ``SecretStr`` in its own section, the
  password of an ``AnyUrl``).

The outputs (the sections below, one test per kind of row): every command of
``python -m settings`` in every format, in process and as a real process; the Python API's
strings (``str``/``repr`` of the settings, of ``ImproperlyConfigured`` and its problems, the
traceback, ``model_dump_json``, the URL); the app in process (every route's status line, headers
and body, the log, a start refused) and under a real uvicorn (serving, and refusing to start).
Each is searched for every canary, plain, percent-encoded as urllib and SQLAlchemy write it, and
for the distinctive core that survives any encoding; each also asserts what the output does
show, so that none passes by printing nothing.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import httpx
import pytest
from pydantic import Field, SecretStr, field_validator

from settings import ImproperlyConfigured, Settings, load_settings
from settings.cli import main
from settings.testing import app_client
from tests.application.chat.config import AppSettings
from tests.application.chat.main import create_app
from tests.support import uvicorn as servers
from tests.support.app_client import running
from tests.support.canaries import CANARIES, PASSWORD, SECRET_KEY, WEAK, Canary, assert_no_leak
from tests.support.chat import (
    API_KEY,
    CANARY_ENVIRON,
    CHAT_CANARIES,
    CHAT_SETTINGS_TOML,
    MODEL_PATH,
    PRODUCTION_ENVIRON,
    redis_url,
    write_secret_file,
)
from tests.support.cli import Run
from tests.support.environ import REPO
from tests.support.postgres import Login, PgCluster
from tests.support.probe_app import create_probe_app

MASK = "**********"
Load = Callable[..., AppSettings]
#: ``uvicorn --factory`` target: the chat project's app.
CHAT_APP = "tests.application.chat.main:create_app"


# --- the ways a secret arrives: the reference model ------------------------------------------


SK, PW = SECRET_KEY.field, PASSWORD.field


@dataclass(frozen=True)
class Target:
    """The database the settings point at: a throwaway cluster for the app, any for the CLI."""

    host: str = "127.0.0.1"
    port: int = 5432
    username: str = "app_user"
    database: str = "app_user"

    def url(self, userinfo: str, query: str = "") -> str:
        return f"postgresql://{userinfo}@{self.host}:{self.port}/{self.database}{query}"


SETTINGS_TOML = """\
[default]
secret_key = "leak-sweep-development-key-that-is-no-canary"
allowed_hosts = ["localhost", "127.0.0.1", "testserver"]
log_level = "debug"

[default.cors]
origins = ["http://localhost:3000"]

[default.database]
host = "{target.host}"
port = {target.port}
username = "{target.username}"
database = "{target.database}"
connect_timeout = 2.0

[default.database.pool]
size = 1
max_overflow = 1
timeout = 1.0

[development]
[testing]
[production]
"""

Plant = Callable[[Path, Target], dict[str, str]]


def in_toml(filename: str) -> Plant:
    """Both secrets in ``[default]`` of a settings file."""

    def plant(directory: Path, target: Target) -> dict[str, str]:
        (directory / filename).write_text(
            f'[default]\nsecret_key = "{SECRET_KEY.value}"\n\n'
            f'[default.database]\npassword = "{PASSWORD.value}"\n',
            encoding="utf-8",
        )
        return {}

    return plant


def copied(directory: Path, target: Target) -> dict[str, str]:
    """Both secrets in ``.secrets.toml``, and the password written again into an ordinary
    setting (``database.username``): a value equal to a secret is a secret wherever it shows.
    (A token may not copy one there: that is refused, a row of MALFORMED.)"""
    in_toml(".secrets.toml")(directory, target)
    (directory / "settings.local.toml").write_text(
        f'[default.database]\nusername = "{PASSWORD.value}"\n', encoding="utf-8"
    )
    return {}


def variable(name: str, secret: str) -> Plant:
    value = {SK: SECRET_KEY, PW: PASSWORD}[secret].value
    return lambda directory, target: {name: value}


def mounted(name: str, content: Callable[[Target], str]) -> Plant:
    """``name`` points at a file holding ``content`` and a newline, as Docker mounts secrets."""

    def plant(directory: Path, target: Target) -> dict[str, str]:
        path = directory / "run-secrets" / name.lower()
        path.parent.mkdir(exist_ok=True)
        path.write_text(content(target) + "\n", encoding="utf-8")
        return {name: str(path)}

    return plant


def url_with_password(target: Target) -> str:
    return target.url(f"{target.username}:{quote(PASSWORD.value, safe='')}")


def url_with_password_in_query(target: Target) -> str:
    return target.url(target.username, f"?password={quote(PASSWORD.value, safe='')}")


@dataclass(frozen=True)
class Route:
    """Where a secret comes from; ``fields`` are the secrets it plants."""

    name: str
    fields: tuple[str, ...]
    plant: Plant

    def rivals(self) -> dict[str, str]:
        """Another variable setting each planted secret to a different value."""
        rivals = {}
        for secret in self.fields:
            name = next(name for name in RIVALS[secret] if name != self.name)
            rivals[name] = f"rival-{secret}-value-0123456789-abcdefghij"
        return rivals


ROUTES = [
    Route(".secrets.toml", (SK, PW), in_toml(".secrets.toml")),
    Route("settings.local.toml", (SK, PW), in_toml("settings.local.toml")),
    Route("SECRET_KEY", (SK,), variable("SECRET_KEY", SK)),
    Route("SECRET_KEY_FILE", (SK,), mounted("SECRET_KEY_FILE", lambda t: SECRET_KEY.value)),
    Route("APP_SECRET_KEY", (SK,), variable("APP_SECRET_KEY", SK)),
    Route("DB_PASSWORD", (PW,), variable("DB_PASSWORD", PW)),
    Route("DB_PASSWORD_FILE", (PW,), mounted("DB_PASSWORD_FILE", lambda t: PASSWORD.value)),
    Route("APP_DATABASE__PASSWORD", (PW,), variable("APP_DATABASE__PASSWORD", PW)),
    Route("DATABASE_URL", (PW,), lambda d, t: {"DATABASE_URL": url_with_password(t)}),
    Route(
        "DATABASE_URL ?password=",
        (PW,),
        lambda d, t: {"DATABASE_URL": url_with_password_in_query(t)},
    ),
    Route("DATABASE_URL_FILE", (PW,), mounted("DATABASE_URL_FILE", url_with_password)),
    Route("a copy of the password", (SK, PW), copied),
]
#: The routes that plant their secrets in files (a variable then overrides, no conflict).
FILE_PLANTS = {route.plant for route in ROUTES if route.name.endswith(".toml")} | {copied}
#: For each secret, the variables that may contradict a route (the first that is not it).
RIVALS = {SK: ("SECRET_KEY", "APP_SECRET_KEY"), PW: ("DB_PASSWORD", "APP_DATABASE__PASSWORD")}
#: A secret the route does not plant gets a harmless value, so production can be valid.
COMPANIONS = {
    SK: ("SECRET_KEY", "companion-secret-key-0123456789-abcdefghij"),
    PW: ("DB_PASSWORD", "companion-password"),
}
SCENARIOS: dict[str, Callable[[Route], dict[str, str]]] = {
    "testing": lambda route: {"ENV_FOR_DYNACONF": "testing"},
    "production": lambda route: {"ENV_FOR_DYNACONF": "production"},
    "production, debug on": lambda route: {"ENV_FOR_DYNACONF": "production", "APP_DEBUG": "on"},
    "invalid values": lambda route: {
        "ENV_FOR_DYNACONF": "testing",
        "APP_DATABASE__PORT": "0",
        "APP_LOG_LEVEL": "loud",
        "APP_DATABSE__HOST": "a-misspelled-variable",
    },
    "a rival variable": lambda route: {"ENV_FOR_DYNACONF": "testing", **route.rivals()},
}
#: The scenarios every route loads in, with its canaries as the effective secrets.
VALID = ("testing", "production")


COMMANDS = [
    "show",
    "show --format json",
    "show --format toml",
    "show --env production",
    "explain secret_key",
    "explain secret_key --format json",
    "explain database.password",
    "explain database.password --format json",
    "explain database.options --format json",
    "explain database.port",
    "explain database",
    "explain database.url",
    "explain database.username",
    "check",
    "check --format json",
    "check --deploy",
    "check --deploy --format json",
    "check --env production",
    "check --env nowhere",
    "diff",
    "diff development production",
    "diff testing production --format json",
    "diff production --format json",
    "schema",
]
#: More commands, swept where the command line's own leak test swept them: in the testing
#: configuration of each route, and in every MALFORMED one (``--all-envs`` loads every
#: environment, so the other scenarios would add time and no new output).
MORE_COMMANDS = [
    "explain database.host",
    "check --all-envs",
    "check --all-envs --deploy",
    "check --all-envs --deploy --format json",
    "diff testing",
]


def commands_for(scenario: str) -> list[str]:
    return COMMANDS + MORE_COMMANDS if scenario == "testing" else COMMANDS


def route_id(route: Route) -> str:
    return route.name


def check_status(route: Route, scenario: str) -> int:
    """What ``check`` must say, so that no scenario passes for want of doing what it says."""
    if scenario in VALID:
        return 0
    if scenario == "a rival variable" and route.plant in FILE_PLANTS:
        return 0  # a variable overrides a file: no conflict
    return 1


def prepare(
    directory: Path, routes: Sequence[Route], scenario: str, target: Target
) -> dict[str, str]:
    """A project in ``directory`` with the routes' canaries; the environment to run it with."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "settings.toml").write_text(SETTINGS_TOML.format(target=target), "utf-8")
    environ: dict[str, str] = {}
    for route in routes:
        environ |= route.plant(directory, target)
    planted = {secret for route in routes for secret in route.fields}
    for secret, (name, value) in COMPANIONS.items():
        if secret not in planted:
            environ[name] = value
    for route in routes:
        environ |= SCENARIOS[scenario](route)
    return environ


def compatible_groups(routes: Sequence[Route], scratch: Path) -> list[list[Route]]:
    """The routes in as few groups as can be planted together, so that one server serves each.

    Routes that set the same variable, or ``X`` and ``X_FILE``, go to different groups. Within a
    group every route carries the same canary, so no two of them conflict.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    groups: list[tuple[list[Route], set[str]]] = []
    for route in routes:
        stems = {name.removesuffix("_FILE") for name in route.plant(scratch, Target())}
        for members, taken in groups:
            if not stems & taken:
                members.append(route)
                taken |= stems
                break
        else:
            groups.append(([route], stems))
    return [members for members, _ in groups]


CANARY = WEAK.value
#: A secret that is also a valid hostname, so that ``allowed_hosts`` accepts and folds it.
HOSTLIKE = "Canary-Zx9-Host-7731"
ENCODED = quote(CANARY, safe="")

SECRETS_TOML = f"""\
[default]
secret_key = "{CANARY}"

[default.database]
password = "{CANARY}"
"""


#: Configurations that cannot be served, each a secret arriving in a shape of its own: the
#: WEAK canary (production refuses it) as an environ and the content of .secrets.toml.
MALFORMED: dict[str, tuple[dict[str, str], str | None]] = {
    "url, raw": ({"DATABASE_URL": f"postgresql://app:{CANARY}@db:5432/app"}, None),
    "production refuses it": (
        {"ENV_FOR_DYNACONF": "production", "SECRET_KEY": CANARY, "DB_PASSWORD": CANARY},
        None,
    ),
    "unsupported scheme": ({"DATABASE_URL": f"mysql://app:{CANARY}@db/app"}, None),
    "two passwords": (
        {"DB_PASSWORD": CANARY, "DATABASE_URL": f"postgresql://app:{ENCODED}2@db/app"},
        None,
    ),
    "variable and file": ({"DB_PASSWORD": CANARY, "DB_PASSWORD_FILE": "{canary_file}"}, None),
    "unknown secret key": ({}, f'[default.database]\npasword = "{CANARY}"\n'),
    "bad token": ({}, f'[default]\nsecret_key = "@int {CANARY}"\n'),
    "TOML syntax error": ({}, f'[default]\nsecret_key = "{CANARY}\n'),
    "secret as a table": ({}, f'[default.secret_key]\nvalue = "{CANARY}"\n'),
    # A copy a validator folds to lower case (issue 16, item 7): a host, a log level.
    "a secret folded into allowed_hosts": (
        {"DB_PASSWORD": HOSTLIKE, "APP_ALLOWED_HOSTS": f"localhost,{HOSTLIKE}"},
        None,
    ),
    "a secret pasted into log_level": (
        {"DB_PASSWORD": HOSTLIKE, "APP_LOG_LEVEL": HOSTLIKE},
        None,
    ),
    # A copy a token transforms into a plain setting (issue 16, item 6): refused, never shown.
    **{
        f"a token copying a secret, {how}": (
            {},
            f'[default]\nsecret_key = "{CANARY}"\n'
            f'[default.database]\npassword = "{HOSTLIKE}"\n'
            f"{where} = {json.dumps(token)}\n",
        )
        for how, where, token in (
            ("upper", "username", "@jinja {{ this.secret_key | upper }}"),
            ("reversed", "username", "@jinja {{ this.secret_key | reverse }}"),
            ("sliced", "username", "@jinja {{ this.secret_key[5:12] }}"),
            ("format spec", "username", "@format {this.secret_key:.11}"),
            ("of a table", "username", "@jinja {{ this.database | string | reverse }}"),
            ("of a table, by get", "username", "@jinja {{ this.get('database') | tojson }}"),
            (
                "application_name",
                "options.application_name",
                "@jinja {{ this.database.password | lower }}",
            ),
        )
    },
    "a token copying a secret, through env": (
        {"DB_PASSWORD": HOSTLIKE},
        '[default.database]\nusername = "@jinja {{ env.DB_PASSWORD | upper }}"\n',
    ),
}


# --- the ways a secret arrives: an application's own model -----------------------------------


BAD_REDIS = redis_url(rest="127.0.0.1:notaport/0")


def secrets_in_files(chat_dir: Path) -> None:
    """Production's secrets in .secrets.toml, so that ``diff`` compares them across environments."""
    (chat_dir / ".secrets.toml").write_text(
        f'[production]\nredis_url = "{redis_url()}"\n\n[production.llm]\n'
        f'api_key = "{API_KEY.value}"\n',
        encoding="utf-8",
    )


CHAT_COMMANDS = [
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
CHAT_SCENARIOS = {
    "files": PRODUCTION_ENVIRON,
    "variables": {**CANARY_ENVIRON, **PRODUCTION_ENVIRON},
    "invalid URL": {**PRODUCTION_ENVIRON, "LLM_API_KEY": API_KEY.value, "REDIS_URL": BAD_REDIS},
    "conflict": {**CANARY_ENVIRON, **PRODUCTION_ENVIRON, "APP_LLM__API_KEY": "another-key"},
    "unknown variable": {**CANARY_ENVIRON, **PRODUCTION_ENVIRON, "APP_LLM__API_KYE": API_KEY.value},
}


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


# --- the command line, in process ------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_no_command_shows_a_secret(
    route: Route,
    scenario: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    environ = prepare(tmp_path, [route], scenario, Target())
    outputs, codes = {}, {}
    for command in commands_for(scenario):
        codes[command] = main([*command.split(), "--root", str(tmp_path)], environ=environ)
        out, err = capsys.readouterr()
        outputs |= {f"`{command}` stdout": out, f"`{command}` stderr": err}
    outputs["the log"] = caplog.text

    assert_no_leak(outputs)
    assert set(codes.values()) <= {0, 1, 2}
    assert codes["check"] == check_status(route, scenario), outputs["`check` stderr"]
    if scenario in VALID:
        shown = json.loads(outputs["`show --format json` stdout"])
        assert (shown["secret_key"], shown["database"]["password"]) == (MASK, MASK)


@pytest.mark.parametrize("scenario", MALFORMED)
def test_no_command_prints_the_canary(cli: Run, settings_dir: Path, scenario: str) -> None:
    environ, secrets = MALFORMED[scenario]
    canary_file = settings_dir / "canary.txt"
    canary_file.write_text(CANARY + "\n")
    environ = {name: value.format(canary_file=canary_file) for name, value in environ.items()}
    if secrets is not None:
        (settings_dir / ".secrets.toml").write_text(secrets)
    codes, outputs = set(), {}
    for command in COMMANDS + MORE_COMMANDS:
        result = cli(*command.split(), environ=environ)
        codes.add(result.code)
        outputs |= {f"{command}: stdout": result.out, f"{command}: stderr": result.err}
    assert_no_leak(outputs, [WEAK])  # in any case, the core reversed too
    assert codes <= {0, 1, 2}  # 2: `check --env nowhere`


#: The shapes a model may hold a secret in, each with a file that sets it: (the field, the
#: ``.secrets.toml`` that fills it with the canary, the key ``explain`` is asked about).
SHAPES = {
    "dict of sections, optional": (
        "replicas: dict[str, Cred] | None = None",
        "[default.replicas.r1]\npassword = '{canary}'\n",
        "replicas",
    ),
    "list of sections, optional": (
        "pool: list[Cred] | None = None",
        "[default]\npool = [{{password = '{canary}'}}]\n",
        "pool",
    ),
    "list of lists of sections": (
        "nests: list[list[Cred]] = []",
        "[default]\nnests = [[{{password = '{canary}'}}]]\n",
        "nests",
    ),
    "dict of lists of sections": (
        "groups: dict[str, list[Cred]] = {{}}",
        "[default.groups]\ng = [{{password = '{canary}'}}]\n",
        "groups",
    ),
    "Secret[int]": ("pin: Secret[int] | None = None", "[default]\npin = {number}\n", "pin"),
    "a SecretStr written as a number": (
        "token: SecretStr = SecretStr('')",
        "[default]\ntoken = {number}\n",
        "token",
    ),
}
SHAPES_MODEL = """
from pydantic import Secret, SecretStr

from settings import BaseSettings, Section


class Cred(Section):
    password: SecretStr = SecretStr("")


class ShapeSettings(BaseSettings):
    debug: bool = False
    {field}
"""
#: Digits only, for the shapes that hold a number: distinctive, and no other setting has them.
NUMBER = "48151623420917"


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_secret_in_any_shape_of_the_model_is_masked(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    """Wherever the model holds a secret type, at any depth of containers, ``Optional`` or not,
    and whatever the file wrote (a number): every command masks it, and so does a report of
    another setting that failed (``explain`` then shows the layers as the files wrote them)."""
    field_source, secrets, key = SHAPES[shape]
    module = f"shape_{abs(hash(shape))}"
    (tmp_path / f"{module}.py").write_text(SHAPES_MODEL.format(field=field_source.format()))
    (tmp_path / "pyproject.toml").write_text(f'[tool.settings]\nmodel = "{module}:ShapeSettings"\n')
    (tmp_path / "settings.toml").write_text("[default]\n[development]\n")
    (tmp_path / ".secrets.toml").write_text(secrets.format(canary=CANARY, number=NUMBER))
    (tmp_path / "note.toml").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    cores = [WEAK, Canary("number", NUMBER, NUMBER)]

    outputs: dict[str, str] = {}
    for environ in ({}, {"APP_DEBUG": "maybe"}):  # valid, then refused for another setting
        for command in ("show", f"explain {key}", "check", "show --format json"):
            result = cli(*command.split(), environ=environ, root=tmp_path)
            where = f"{command} {environ}"
            outputs |= {f"{where}: stdout": result.out, f"{where}: stderr": result.err}
    sys.modules.pop(module, None)

    assert_no_leak(outputs, cores)
    shown = outputs["show {}: stdout"] + outputs["show {}: stderr"]
    assert MASK in shown or f"ERROR {key}:" in shown, shown  # masked, or refused by type


def test_the_canary_is_really_loaded(cli: Run) -> None:
    """The masks above hide a value that is there: compared by equality, it is the canary."""
    environ = {"DB_PASSWORD": CANARY, "DATABASE_URL": f"postgresql://app:{ENCODED}@db/app"}
    assert cli("check", environ=environ).code == 0  # the same password twice: no conflict
    result = cli("explain", "database.password", environ=environ)
    assert result.out.count('"**********"') == 3


def test_a_url_given_where_a_key_belongs_is_not_echoed_with_its_password(cli: Run) -> None:
    result = cli("explain", f"postgresql://app:{CANARY}@db/app")
    assert result.code == 2
    assert "unknown key 'postgresql://app:**********@db/app'" in result.err
    assert "Zx9" not in result.err


@pytest.mark.parametrize("scenario", list(CHAT_SCENARIOS))
def test_every_command_in_every_format(
    chat_dir: Path, capsys: pytest.CaptureFixture[str], scenario: str
) -> None:
    secrets_in_files(chat_dir)
    environ = {"ENV_FOR_DYNACONF": "testing", **CHAT_SCENARIOS[scenario]}
    outputs: dict[str, str] = {}
    statuses = {}
    for command in CHAT_COMMANDS:
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


# --- the Python API --------------------------------------------------------------------------


#: The API's exports of values (not text made to be read): a copied secret is a value there.
EXPORTS = (
    "settings.model_dump_json()",
    "str(settings.model_dump())",
    "str(settings.database.url)",
    "repr(settings.database.url)",
)


def api_outputs(root: Path, environ: dict[str, str]) -> tuple[Settings | None, dict[str, str]]:
    """Every string the Python API makes of one load, by name."""
    try:
        settings = load_settings(root=root, environ=environ)
    except ImproperlyConfigured as error:
        return None, {
            "str(ImproperlyConfigured)": str(error),
            "repr(ImproperlyConfigured)": repr(error),
            "the traceback": "".join(traceback.format_exception(error)),
            "str() of each problem": "\n".join(map(str, error.problems)),
            "repr() of each problem": repr(error.problems),
        }
    return settings, {
        "repr(settings)": repr(settings),
        "str(settings)": str(settings),
        "repr(settings.database)": repr(settings.database),
        "str(settings.database.url)": str(settings.database.url),
        "repr(settings.database.url)": repr(settings.database.url),
        "settings.model_dump_json()": settings.model_dump_json(),
        "str(settings.model_dump())": str(settings.model_dump()),
        "repr(settings.sources)": repr(settings.sources),
        "f-strings of the secrets": f"{settings.secret_key} {settings.database.password}",
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_no_python_api_string_shows_a_secret(
    route: Route, scenario: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    environ = prepare(tmp_path, [route], scenario, Target())

    settings, outputs = api_outputs(tmp_path, environ)
    if route.plant is copied:
        # Exports give values as they are: the copy is database.username's real value, which
        # the driver needs. Every text made to be read (repr, reports, logs, the CLI) masks it.
        for name in EXPORTS:
            outputs.pop(name, None)
        if scenario == "a rival variable":
            # The copy is of the password a variable overrode. The settings' repr masks every
            # secret a layer gave (docs/choices.md); a section printed alone knows only those
            # it holds.
            outputs.pop("repr(settings.database)", None)

    assert_no_leak({**outputs, "the log": caplog.text})
    if scenario not in VALID:
        return
    assert settings is not None, outputs
    # The masks hide values that are there: the planted canaries are the effective secrets.
    secrets = {SK: settings.secret_key, PW: settings.database.password}
    for item in CANARIES:
        if item.field in route.fields:
            assert secrets[item.field].get_secret_value() == item.value
    dumped = json.loads(settings.model_dump_json())
    assert (dumped["secret_key"], dumped["database"]["password"]) == (MASK, MASK)


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


# --- the command line, as a real process -----------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_python_m_settings_in_a_subprocess_shows_no_secret(route: Route, tmp_path: Path) -> None:
    """The real entry point, with warnings going through logging's last-resort handler."""
    environ = prepare(tmp_path, [route], "invalid values", Target())
    environ.update(ENV_FOR_DYNACONF="production", APP_DEBUG="on")

    code, out, err = servers.finish(servers.run_cli(tmp_path, environ, "check", "--deploy"))

    assert code == 1
    assert "security.E001" in err and "APP_DATABSE__HOST" in err
    assert_no_leak({"stdout": out, "stderr": err})


def test_a_real_process_prints_no_secret(chat_dir: Path) -> None:
    secrets_in_files(chat_dir)
    outputs = {}
    for command in (
        "show --env production --format json",
        "explain llm.api_key --env production",
        "diff testing production",
    ):
        argv = [*command.split(), "--root", str(chat_dir), "--model", MODEL_PATH]
        process = servers.run_cli(REPO, {**CANARY_ENVIRON, **PRODUCTION_ENVIRON}, *argv)
        code, out, err = servers.finish(process)
        assert code == 0, err
        outputs[f"{command}: stdout"], outputs[f"{command}: stderr"] = out, err
    no_leak(outputs)
    shown = json.loads(outputs["show --env production --format json: stdout"])
    assert shown["llm"]["api_key"] == MASK


# --- the app, in process ---------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request a client can make, and the status it gets from a running app."""

    method: str
    path: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        extra = "".join(f" {name}: {value}" for name, value in self.headers.items())
        return f"{self.method} {self.path}{extra}"


ENDPOINTS = [
    Call("GET", "/health/live", 200),
    Call("GET", "/health/ready", 503),  # the database refuses the password
    Call("GET", "/features", 200),  # the application's own section
    Call("GET", "/now", 503),  # SessionDep: no connection
    Call("GET", "/boom", 500),  # an exception quoting the secrets
    Call("GET", "/openapi.json", 200),
    Call("GET", "/docs", 200),
    Call("GET", "/docs/oauth2-redirect", 200),
    Call("GET", "/redoc", 200),
    Call("GET", "/no-such-page", 404),
    Call("POST", "/health/live", 405),
    Call("GET", "/health/live", 400, {"Host": "evil.example"}),
    Call(
        "OPTIONS",
        "/health/ready",
        200,
        {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
    ),
    Call("GET", "/health/ready", 503, {"X-Request-ID": "not a valid id!"}),
]


def rendered(response: httpx.Response) -> str:
    """What a client sees: status line, headers and body."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    return f"{response.status_code} {response.reason_phrase}\n{headers}\n\n{response.text}"


def test_the_endpoint_table_covers_every_route_of_the_app() -> None:
    """A route added to the app fails here until ENDPOINTS sweeps it."""
    app = create_probe_app()
    operations = {
        (method.upper(), path)
        for path, methods in app.openapi()["paths"].items()
        for method in methods
    }
    documentation = {
        app.openapi_url,
        app.docs_url,
        app.redoc_url,
        app.swagger_ui_oauth2_redirect_url,
    }
    operations |= {("GET", path) for path in documentation if path}
    assert operations <= {(call.method, call.path) for call in ENDPOINTS}


@pytest.fixture
def database_target(running_cluster: PgCluster, cluster_login: Login) -> Target:
    """A cluster that checks passwords: every canary is refused, with a driver error."""
    return Target(
        cluster_login.host, cluster_login.port, cluster_login.username, cluster_login.database
    )


@pytest.mark.postgres
@pytest.mark.parametrize("debug", ["off", "on"])
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
async def test_the_app_in_process_shows_no_secret(
    route: Route,
    debug: str,
    tmp_path: Path,
    database_target: Target,
    process_environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    environ = prepare(tmp_path, [route], "testing", database_target) | {"APP_DEBUG": debug}
    for name, value in environ.items():
        process_environment.setenv(name, value)
    process_environment.chdir(tmp_path)
    outputs = {}

    async with running(create_probe_app()) as client:
        for call in ENDPOINTS:
            response = await client.request(call.method, call.path, headers=call.headers)
            assert response.status_code == call.status, f"{call}: {response.text}"
            outputs[str(call)] = rendered(response)
            if call.path == "/boom":
                assert ("traceback" in response.json()) == (debug == "on")

    captured = capsys.readouterr()
    outputs |= {"the log": caplog.text, "stdout": captured.out, "stderr": captured.err}
    assert_no_leak(outputs)
    assert "Settings loaded: environment testing" in caplog.text
    assert "InvalidPasswordError" in caplog.text  # the driver's error was logged, redacted


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


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
async def test_an_app_refusing_to_start_shows_no_secret(
    route: Route,
    tmp_path: Path,
    process_environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name, value in prepare(tmp_path, [route], "production, debug on", Target()).items():
        process_environment.setenv(name, value)
    process_environment.chdir(tmp_path)
    app = create_probe_app()

    with pytest.raises(ImproperlyConfigured) as raised:
        async with app.router.lifespan_context(app):
            pass

    captured = capsys.readouterr()
    assert "security.E001" in str(raised.value)
    assert_no_leak(
        {
            "stdout": captured.out,
            "stderr": captured.err,
            "the log": caplog.text,
            "the startup error": "".join(traceback.format_exception(raised.value)),
        }
    )


# --- the app, under a real uvicorn -----------------------------------------------------------


@pytest.mark.postgres
def test_uvicorn_serving_every_route_shows_no_secret(
    tmp_path: Path, database_target: Target
) -> None:
    """Real servers, one per group of compatible routes; debug on, so the 500 says the most."""
    groups = compatible_groups(ROUTES, tmp_path / "scratch")
    setups = [
        (
            tmp_path / f"group-{index}",
            prepare(tmp_path / f"group-{index}", group, "testing", database_target)
            | {"APP_DEBUG": "on"},
        )
        for index, group in enumerate(groups)
    ]
    outputs = {}

    with servers.many(setups) as started, httpx.Client(timeout=10, trust_env=False) as client:
        for server in started:
            server.wait_serving()
        for index, server in enumerate(started):
            for call in ENDPOINTS:
                response = client.request(call.method, server.url + call.path, headers=call.headers)
                assert response.status_code == call.status, f"group {index}, {call}"
                outputs[f"group {index}: {call}"] = rendered(response)
        codes = [server.stop() for server in started]

    assert codes == [0] * len(groups)
    for index, server in enumerate(started):
        output = server.output
        assert "Settings loaded: environment testing" in output
        assert "InvalidPasswordError" in output and "Unhandled RuntimeError" in output
        outputs[f"group {index}: uvicorn's stdout and stderr"] = output
    assert_no_leak(outputs)


def test_uvicorn_refusing_every_route_shows_no_secret(tmp_path: Path) -> None:
    groups = compatible_groups(ROUTES, tmp_path / "scratch")
    setups = [
        (
            tmp_path / f"group-{index}",
            prepare(tmp_path / f"group-{index}", group, "invalid values", Target()),
        )
        for index, group in enumerate(groups)
    ]

    with servers.many(setups) as started:
        codes = [server.wait_exit() for server in started]

    assert all(code != 0 for code in codes), codes
    outputs = {}
    for index, server in enumerate(started):
        output = server.output
        assert "Improperly configured" in output and "Uvicorn running" not in output
        assert "env APP_DATABASE__PORT" in output
        outputs[f"group {index}: uvicorn's stdout and stderr"] = output
    assert_no_leak(outputs)


def test_a_real_server_s_log_and_responses(chat_dir: Path) -> None:
    environ = {"ENV_FOR_DYNACONF": "testing", **CANARY_ENVIRON, "APP_LLM__API_KYE": API_KEY.value}
    outputs: dict[str, str] = {}
    with servers.uvicorn(chat_dir, environ, app=CHAT_APP, options=("--factory",)) as server:
        server.wait_serving()
        with httpx.Client(
            base_url=server.url,
            timeout=5,
            trust_env=False,
            headers={"Host": "localhost"},
        ) as client:  # an allowed host
            for path in ("/llm", "/settings", "/boom"):
                response = client.get(path)
                outputs[f"GET {path}"] = (
                    f"{response.status_code} {response.headers} {response.text}"
                )
        server.stop(signal.SIGTERM)
    out, err = server.stdout, server.stderr
    outputs |= {"server stdout": out, "server stderr": err}
    no_leak(outputs)
    assert outputs["GET /boom"].startswith("500 ")
    assert "traceback" in outputs["GET /boom"]  # debug is on in testing: the debug body
    assert "Unhandled RuntimeError" in err  # the traceback went to the log
    assert "APP_LLM__API_KYE" in err  # the unknown variable's warning, by name only


def test_a_real_server_refusing_to_start(chat_dir: Path) -> None:
    environ = {"ENV_FOR_DYNACONF": "testing", "LLM_API_KEY": API_KEY.value, "REDIS_URL": BAD_REDIS}
    with servers.uvicorn(chat_dir, environ, app=CHAT_APP, options=("--factory",)) as server:
        returncode = server.wait_exit()
    out, err = server.stdout, server.stderr
    assert returncode == 3, err
    assert "redis_url" in err[err.index("Improperly configured") :]
    no_leak({"server stdout": out, "server stderr": err})


def test_the_routes_fall_into_few_compatible_groups(tmp_path: Path) -> None:
    groups = compatible_groups(ROUTES, tmp_path)
    assert sorted(route.name for group in groups for route in group) == sorted(
        route.name for route in ROUTES
    )
    assert len(groups) <= 3


# --- what validation says of a secret it refused, or of a copy it folded ---------------------


class Lengths(Settings):
    """A model whose secrets have lengths to respect, and a field whose validator folds case
    and quotes what it got."""

    token: Annotated[SecretStr, Field(max_length=5)] = SecretStr("")
    pin: Annotated[SecretStr, Field(min_length=40)] = SecretStr("x" * 40)
    keys: Annotated[list[SecretStr], Field(max_length=1)] = Field(default_factory=list)
    region: str = "eu"

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        folded = value.lower()
        if folded not in ("eu", "us"):
            raise ValueError(f"unknown region {folded!r}")
        return folded


def test_a_secret_s_length_and_a_folded_copy_are_never_stated(tmp_path: Path) -> None:
    """``max_length=5`` said "at most 5 items, not 20", 20 being the secret's length (issue 16,
    item 8); a validator quoting a copy in lower case escaped the mask (item 7)."""
    (tmp_path / "settings.toml").write_text("[default]\n[development]\n", encoding="utf-8")
    keys = json.dumps([CANARY, HOSTLIKE, "third"])
    (tmp_path / ".secrets.toml").write_text(f"[default]\nkeys = {keys}\n", encoding="utf-8")
    environ = {
        "SECRET_KEY": SECRET_KEY.value,
        "APP_TOKEN": CANARY,  # 17 characters
        "APP_PIN": "Zx9-short-pin-of-23-chr",
        "DB_PASSWORD": HOSTLIKE,
        "APP_REGION": HOSTLIKE,
    }

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings(root=tmp_path, environ=environ, model=Lengths)

    problems = {p.key: p.message for p in caught.value.problems}
    assert problems["token"] == "Value should have at most 5 items after validation"
    assert problems["pin"] == "Value should have at least 40 items after validation"
    assert problems["keys"] == "List should have at most 1 item after validation"
    assert problems["region"] == f"unknown region '{MASK}'"
    texts = exception_texts(caught.value, "load")
    assert_no_leak(texts, [WEAK])
    for text in texts.values():
        report = "\n".join(line for line in text.splitlines() if line.startswith("  "))
        for length in ("17", "23", "3"):  # a number of the report, not a traceback's line
            assert re.search(rf"\b{length}\b", report.replace("ERROR", "")) is None
