"""Leak sweep: a canary for each secret, planted through each route, searched for in every output.

ROUTES are the places a secret can come from, SCENARIOS the configurations around it (valid,
refused by the deployment rules, invalid elsewhere, contradicted by a rival variable), COMMANDS
every command of ``python -m settings`` in every format, ENDPOINTS every request a client can
make of the app. Each is one line: adding a route, a command or an endpoint is adding a line.

The outputs searched: each command's stdout and stderr (in process, and as a real subprocess),
the Python API's strings (``str``/``repr`` of the settings, of ``ImproperlyConfigured`` and of its
problems, ``model_dump_json``, the URL), the app's log (startup line, driver errors of a refused
password, the 500's traceback) and every response's status line, headers and body, in process
(every route) and under a real uvicorn (one server per group of routes that can be planted
together, to keep the process starts few). Each is searched for both canaries, plain,
percent-encoded as urllib and SQLAlchemy write them, and for the distinctive core that survives
any encoding.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from settings import ImproperlyConfigured, Settings, load_settings
from settings.cli import main
from tests.app.client import running
from tests.conftest import Login
from tests.hardening import servers
from tests.hardening.canaries import CANARIES, PASSWORD, SECRET_KEY, assert_no_leak
from tests.hardening.probe_app import create_probe_app
from tests.pgcluster import PgCluster

SK, PW = SECRET_KEY.field, PASSWORD.field
MASK = "**********"


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


def copied_by_a_token(directory: Path, target: Target) -> dict[str, str]:
    """Both secrets in ``.secrets.toml``, and a token copying the password into an ordinary
    setting (``database.username``): a value equal to a secret is a secret wherever it shows."""
    in_toml(".secrets.toml")(directory, target)
    (directory / "settings.local.toml").write_text(
        '[default.database]\nusername = "@format {this.database.password}"\n', encoding="utf-8"
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
    Route("a token copying the password", (SK, PW), copied_by_a_token),
]
#: The routes that plant their secrets in files (a variable then overrides, no conflict).
FILE_PLANTS = {route.plant for route in ROUTES if route.name.endswith(".toml")} | {
    copied_by_a_token
}
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


# --- the command line and the Python API -------------------------------------------------------


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
    for command in COMMANDS:
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
    if route.plant is copied_by_a_token:
        # Exports give values as they are: the copy is database.username's real value, which
        # the driver needs. Every text made to be read (repr, reports, logs, the CLI) masks it.
        for name in EXPORTS:
            outputs.pop(name, None)

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


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_python_m_settings_in_a_subprocess_shows_no_secret(route: Route, tmp_path: Path) -> None:
    """The real entry point, with warnings going through logging's last-resort handler."""
    environ = prepare(tmp_path, [route], "invalid values", Target())
    environ.update(ENV_FOR_DYNACONF="production", APP_DEBUG="on")

    code, out, err = servers.finish(servers.run_cli(tmp_path, environ, "check", "--deploy"))

    assert code == 1
    assert "security.E001" in err and "APP_DATABSE__HOST" in err
    assert_no_leak({"stdout": out, "stderr": err})


# --- the app ---------------------------------------------------------------------------------


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


def test_the_routes_fall_into_few_compatible_groups(tmp_path: Path) -> None:
    groups = compatible_groups(ROUTES, tmp_path)
    assert sorted(route.name for group in groups for route in group) == sorted(
        route.name for route in ROUTES
    )
    assert len(groups) <= 3
