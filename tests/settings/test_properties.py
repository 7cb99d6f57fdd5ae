"""Whatever text the environment holds, loading gives Settings or ImproperlyConfigured, and
never shows a secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from settings import ImproperlyConfigured, Settings, load_settings
from settings.environ import DEPLOYMENT_VARIABLES
from settings.keys import schema_keys

CANARY = "Canary-5ecret-Q9z"
APP_VARIABLES = sorted(
    "APP_" + key.upper().replace(".", "__")
    for key, kind in schema_keys().items()
    if kind != "table"
)
VARIABLES = [
    *APP_VARIABLES,
    "APP_DATABASE__OPTIONS__SSLMODE",
    "APP_DATABASE__OPTIONS__X",
    "APP_UNKNOWN",
    *DEPLOYMENT_VARIABLES,
    "ENV_FOR_DYNACONF",
]
FILE_VARIABLES = [f"{name}_FILE" for name in DEPLOYMENT_VARIABLES]
SECRET_SLOTS = ["DB_PASSWORD", "APP_DATABASE__PASSWORD", "SECRET_KEY", "APP_SECRET_KEY"]

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
interesting = st.sampled_from(
    [
        "@format {env[HOME]}",
        "@format {this.database.host}",
        "@int 5",
        "@json [1]",
        "@read_file /etc/hostname",
        "@get database.password",
        "@del",
        "[",
        "[[[[[[",
        '["https://a.example", ""]',
        "*",
        "true",
        "0",
        "65536",
        "1e3",
        " , ,",
        "postgresql://u:p@h:5432/db?sslmode=require",
        "sqlite://",
        "mysql://u:p@h/db",
        "production",
        "PRODUCTION",
        "testing",
        "[::1]",
        "/var/run/postgresql",
    ]
)
value = st.one_of(text, interesting, st.builds(lambda a, b: a + b, interesting, text))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose files hold the canary as secrets, and every table the loader knows."""
    directory = tmp_path_factory.mktemp("project")
    (directory / "settings.toml").write_text(
        '[default]\nsecret_key = "dev"\n[default.database]\nhost = "db"\n'
        "[development]\n[testing]\n[production]\nallowed_hosts = ['example.com']\n",
        encoding="utf-8",
    )
    (directory / ".secrets.toml").write_text(
        f'[default]\nsecret_key = "{CANARY}"\n[default.database]\npassword = "{CANARY}"\n',
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
    files=st.dictionaries(
        st.sampled_from(FILE_VARIABLES), st.binary(max_size=30) | text.map(str.encode), max_size=2
    ),
    secret_slot=st.sampled_from([*SECRET_SLOTS, "DATABASE_URL", None]),
    url_tail=text,
)
def test_any_environment_loads_or_raises_improperly_configured_without_the_secret(
    root: Path,
    environ: dict[str, str],
    files: dict[str, bytes],
    secret_slot: str | None,
    url_tail: str,
) -> None:
    environ = dict(environ)
    for name, content in files.items():
        path = root / f"secret-{name}"
        path.write_bytes(content)
        environ[name] = str(path)
    if secret_slot == "DATABASE_URL":
        environ[secret_slot] = f"postgresql://u:{CANARY}@{url_tail}"
    elif secret_slot is not None:
        environ[secret_slot] = CANARY

    try:
        loaded = load_settings(root=root, environ=environ)
    except ImproperlyConfigured as error:
        assert CANARY not in str(error)
        assert CANARY not in repr(error.problems)
    else:
        assert isinstance(loaded, Settings)
        assert CANARY not in repr(loaded)
        assert CANARY not in str(loaded.database.url)
