"""The chat project, an application author's own model: its files, variables and canaries,
and fixtures that write them into ``tmp_path`` per test (a plugin of ``tests/conftest.py``).

The model lives in :mod:`tests.application.chat.config`, outside the framework's files; the
tests in ``tests/application/`` load it the ways SPEC section 9 lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from settings import load_settings
from settings.sources._discovery import MODEL_VARIABLE
from settings.sources._environ import deployment_variables
from tests.application.chat.config import AppSettings
from tests.support.canaries import canary

MODEL_PATH = "tests.application.chat.config:AppSettings"

#: The chat project's settings.toml: the app's own tables in [default] and per environment.
CHAT_SETTINGS_TOML = """\
[default]
secret_key = "chat-tests-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"
allowed_hosts = ["localhost", "testserver"]

[default.database]
driver = "sqlite+aiosqlite"
database = "data/chat.sqlite3"

[default.llm]
api_key = "development-llm-key"
model = "small-default"

[default.features]
search = false
voice = false

[development]

[testing]
debug = true

[production]
allowed_hosts = ["chat.example.com"]

[production.database]
driver = "postgresql+asyncpg"
host = "db.internal"
database = "chat"

[production.llm]
model = "large"

[production.features]
search = true
"""

#: What a production deployment adds in its environment (never in the repository).
PRODUCTION_ENVIRON = {
    "SECRET_KEY": "production-key-from-the-vault-0123456789-abcdefghij",
    "DB_PASSWORD": "production-db-password",
}

API_KEY = canary("llm.api_key", "Lk3vQm")
REDIS_PASSWORD = canary("redis_url", "Rd8pYn")
CHAT_CANARIES = (API_KEY, REDIS_PASSWORD)


def redis_url(password: str = REDIS_PASSWORD.value, rest: str = "127.0.0.1:6379/0") -> str:
    """A Redis URL with ``password``, percent-encoded as a URL must hold it."""
    return f"redis://:{quote(password, safe='')}@{rest}"


#: Both canaries, each through its own declared variable.
CANARY_ENVIRON = {"LLM_API_KEY": API_KEY.value, "REDIS_URL": redis_url()}


@pytest.fixture
def chat_dir(tmp_path: Path) -> Path:
    """A directory holding the chat project's settings.toml."""
    (tmp_path / "settings.toml").write_text(CHAT_SETTINGS_TOML, encoding="utf-8")
    return tmp_path


@pytest.fixture
def load_chat(chat_dir: Path) -> Callable[..., AppSettings]:
    """``load_chat(env="testing", **environ)``: the chat settings, loaded for real."""

    def load(env: str = "testing", **environ: str) -> AppSettings:
        return load_settings(env, root=chat_dir, environ=environ, model=AppSettings)

    return load


@pytest.fixture
def chat_process(
    chat_dir: Path, process_environment: pytest.MonkeyPatch
) -> Iterator[pytest.MonkeyPatch]:
    """Work in the chat project's directory, its model named by ``SETTINGS_MODEL``, with no
    other loader variable set: as the app and ``get_settings()`` see a deployment."""
    for name in (*deployment_variables(AppSettings), MODEL_VARIABLE):
        process_environment.delenv(name, raising=False)
        process_environment.delenv(f"{name}_FILE", raising=False)
    process_environment.chdir(chat_dir)
    process_environment.setenv(MODEL_VARIABLE, MODEL_PATH)
    process_environment.setenv("ENV_FOR_DYNACONF", "testing")
    yield process_environment


def write_secret_file(directory: Path, name: str, content: str) -> str:
    """A mounted secret, as Docker and Kubernetes write one: the content and a newline."""
    path = directory / "run-secrets" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content + "\n", encoding="utf-8")
    return str(path)
