"""Whatever the environment holds, loading gives Settings or ImproperlyConfigured, promptly, and
no form of a secret reaches any text the load produces.

Arbitrary text goes to every variable the loader reads, and:

- the canary holds URL and TOML specials (``@:/?#%&+=``, a space, a non-ASCII letter), so its
  percent-encoded forms differ from it and are searched for too, with its distinctive core;
- it is planted through every secret route at once or apart: the variables, the mounted files
  (``SECRET_KEY_FILE``, ``DB_PASSWORD_FILE``, ``DATABASE_URL_FILE``) and ``DATABASE_URL`` with the
  password percent-encoded, raw, or as ``?password=``;
- ``*_FILE`` variables also hold arbitrary text: missing paths, directories, empty, a NUL byte;
- the searched texts include the log (warnings of the load), each problem, the traceback, and on
  success ``repr``/``str`` of the settings, the URL and ``model_dump_json`` (secrets masked);
- a load that hangs fails the example instead of stalling the suite.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from settings import ImproperlyConfigured, Settings, load_settings
from settings.schema._keys import schema_keys
from settings.sources._environ import deployment_variables
from tests.support.canaries import PASSWORD, SECRET_KEY, assert_no_leak
from tests.support.deadline import failing_after

DEPLOYMENT_VARIABLES = deployment_variables(Settings)

#: Every variable the loader reads: APP_ for each key the schema has, the deployment
#: variables and ENV_FOR_DYNACONF; derived from the schema, so a new key is covered by itself.
APP_VARIABLES = sorted(
    "APP_" + key.upper().replace(".", "__")
    for key, kind in schema_keys(Settings).items()
    if kind != "table"
)
FILE_VARIABLES = sorted(f"{name}_FILE" for name in DEPLOYMENT_VARIABLES)
VARIABLES = [
    *APP_VARIABLES,
    "APP_DATABASE__OPTIONS__SSLMODE",
    "APP_DATABASE__OPTIONS__SSL",
    "APP_UNKNOWN",
    *DEPLOYMENT_VARIABLES,
    *FILE_VARIABLES,
    "ENV_FOR_DYNACONF",
]
HOST = "db.example.com:5432/app"

#: Where a canary can be planted: a variable's name and its value (or a file's content).
Route = Callable[[Path], dict[str, str]]

DEPLOYMENT_VARIABLES = deployment_variables(Settings)


def mounted(name: str, content: str) -> Route:
    def plant(root: Path) -> dict[str, str]:
        path = root / f"mounted-{name.lower()}"
        path.write_text(content + "\n", encoding="utf-8")
        return {name: str(path)}

    return plant


ENCODED = quote(PASSWORD.value, safe="")
ROUTES: dict[str, Route] = {
    "SECRET_KEY": lambda root: {"SECRET_KEY": SECRET_KEY.value},
    "APP_SECRET_KEY": lambda root: {"APP_SECRET_KEY": SECRET_KEY.value},
    "SECRET_KEY_FILE": mounted("SECRET_KEY_FILE", SECRET_KEY.value),
    "DB_PASSWORD": lambda root: {"DB_PASSWORD": PASSWORD.value},
    "APP_DATABASE__PASSWORD": lambda root: {"APP_DATABASE__PASSWORD": PASSWORD.value},
    "DB_PASSWORD_FILE": mounted("DB_PASSWORD_FILE", PASSWORD.value),
    "DATABASE_URL": lambda root: {"DATABASE_URL": f"postgresql://u:{ENCODED}@{HOST}"},
    "DATABASE_URL, raw": lambda root: {"DATABASE_URL": f"postgresql://u:{PASSWORD.value}@{HOST}"},
    "DATABASE_URL, query": lambda root: {"DATABASE_URL": f"postgres://u@{HOST}?password={ENCODED}"},
    "DATABASE_URL_FILE": mounted("DATABASE_URL_FILE", f"postgresql://u:{ENCODED}@{HOST}"),
}

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
interesting = st.sampled_from(
    [
        "@format {env[HOME]}",
        "@json [1]",
        "@read_file /etc/hostname",
        "@get database.password",
        "[",
        "[" * 10_000,
        '["https://a.example", ""]',
        "*",
        "true",
        "0",
        "65536",
        "9" * 5_000,
        "1e3",
        "inf",
        "nan",
        " , ,",
        "postgresql://u:p@h:5432/db?sslmode=require",
        "sqlite://",
        "mysql://u:p@h/db",
        "production",
        "PRODUCTION",
        "testing",
        "[::1]",
        "/var/run/postgresql",
        "a" * 300,
    ]
)
value = st.one_of(text, interesting, st.builds(lambda a, b: a + b, interesting, text))
#: What a ``*_FILE`` variable can name: a file with arbitrary bytes, or something else entirely.
file_target = st.one_of(
    st.binary(max_size=64).map(lambda content: ("content", content)),
    st.just(("content", b"x" * (64 * 1024 + 1))),  # over the size limit
    st.sampled_from(["missing", "directory", "empty path", "NUL in the path"]).map(
        lambda kind: (kind, b"")
    ),
)


def file_path(root: Path, name: str, kind: str, content: bytes) -> str:
    if kind == "content":
        path = root / f"arbitrary-{name.lower()}"
        path.write_bytes(content)
        return str(path)
    return {
        "missing": str(root / "no-such-file"),
        "directory": str(root),
        "empty path": "",
        "NUL in the path": f"{root}/nul\0byte",
    }[kind]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with every environment table, and the canaries in ``.secrets.toml`` too."""
    directory = tmp_path_factory.mktemp("project")
    (directory / "settings.toml").write_text(
        '[default]\nsecret_key = "dev"\n[default.database]\nhost = "db"\n'
        "[development]\n[testing]\n[production]\nallowed_hosts = ['example.com']\n",
        encoding="utf-8",
    )
    (directory / ".secrets.toml").write_text(
        f'[default]\nsecret_key = "{SECRET_KEY.value}"\n'
        f'[default.database]\npassword = "{PASSWORD.value}"\n',
        encoding="utf-8",
    )
    return directory


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    environ=st.dictionaries(st.sampled_from(VARIABLES), value, max_size=6),
    files=st.dictionaries(st.sampled_from(FILE_VARIABLES), file_target, max_size=2),
    routes=st.sets(st.sampled_from(sorted(ROUTES)), max_size=3),
)
def test_any_environment_loads_or_raises_without_any_form_of_a_secret(
    root: Path,
    caplog: pytest.LogCaptureFixture,
    environ: dict[str, str],
    files: dict[str, tuple[str, bytes]],
    routes: set[str],
) -> None:
    caplog.clear()
    environ = dict(environ)
    for name, (kind, content) in files.items():
        environ[name] = file_path(root, name, kind, content)
    for route in sorted(routes):
        environ |= ROUTES[route](root)

    with failing_after(10, "load_settings"):
        try:
            loaded = load_settings(root=root, environ=environ)
        except ImproperlyConfigured as error:
            event("refused")
            outputs = {
                "str(ImproperlyConfigured)": str(error),
                "repr(ImproperlyConfigured)": repr(error),
                "the traceback": "".join(traceback.format_exception(error)),
                "each problem": "\n".join(f"{p}\n{p!r}" for p in error.problems),
            }
        else:
            event("loaded")
            dumped = loaded.model_dump_json()
            data = json.loads(dumped)
            for shown, secret in [
                (data["secret_key"], loaded.secret_key),
                (data["database"]["password"], loaded.database.password),
            ]:
                assert shown == ("**********" if secret.get_secret_value() else "")
            outputs = {
                "repr(settings)": repr(loaded),
                "str(settings)": str(loaded),
                "str(settings.database.url)": str(loaded.database.url),
                "repr(settings.database.url)": repr(loaded.database.url),
                "settings.model_dump_json()": dumped,
                "repr(settings.sources)": repr(loaded.sources),
            }

    assert_no_leak({**outputs, "the log": caplog.text})
