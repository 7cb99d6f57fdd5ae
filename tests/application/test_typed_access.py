"""A handler typed with the chat project's model: a type checker sees its fields (SPEC 9).

``mypy --strict``, run as the project runs it (its configuration, the pydantic plugin), on a
handler that declares its settings as ``Annotated[AppSettings, Depends(request_settings)]``:
the fields have their declared types, and a misspelled one is an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api", reason="mypy comes with the test dependencies")

REPO = Path(__file__).resolve().parents[2]

HANDLER = """\
from typing import Annotated

from fastapi import Depends, FastAPI

from settings.fastapi import request_settings
from tests.application.chat.config import AppSettings

SettingsDep = Annotated[AppSettings, Depends(request_settings)]
app = FastAPI()


@app.get("/llm")
async def llm(settings: SettingsDep) -> str:
    reveal_type(settings.llm.model)
    reveal_type(settings.llm.api_key)
    reveal_type(settings.features)
    reveal_type(settings.redis_url)
    reveal_type(settings.database.port)
    return settings.llm.modle
"""


def test_a_type_checker_sees_the_model_s_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = tmp_path / "handler.py"
    handler.write_text(HANDLER, encoding="utf-8")
    monkeypatch.chdir(REPO)  # where the project's configuration and cache are
    out, err, status = mypy_api.run(["--config-file", "pyproject.toml", str(handler)])
    revealed = [
        line.split("Revealed type is ")[1]
        for line in out.splitlines()
        if "Revealed type is" in line
    ]
    assert revealed == [
        '"str"',
        '"pydantic.types.SecretStr"',
        '"dict[str, bool]"',
        '"pydantic.networks.AnyUrl | None"',
        '"int | None"',
    ], out + err
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert any('"LlmConfig" has no attribute "modle"; maybe "model"?' in line for line in errors)
    assert status == 1


APPLICATION_MODEL = """\
from pydantic import Field

from settings import (
    BaseSettings,
    CorsConfig,
    DatabaseConfig,
    MetricsConfig,
    PoolConfig,
    ServerConfig,
    SettingsConfigDict,
)


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", env_file=".env")

    PROJECT_NAME: str = "demo"
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    cors: CorsConfig = Field(default_factory=CorsConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)


sections = (DatabaseConfig(), PoolConfig(), CorsConfig(), ServerConfig(), MetricsConfig())
settings = AppSettings()
port: int | None = settings.database.port
size: int = settings.database.pool.size
"""


def test_mypy_strict_without_the_pydantic_plugin_takes_the_sections_defaults(
    tmp_path: Path,
) -> None:
    """SPEC 13: the framework's sections write their defaults ``Field(default=...)``, so a
    project that runs mypy without Pydantic's plugin sees every field as optional."""
    (tmp_path / "app_settings.py").write_text(APPLICATION_MODEL, encoding="utf-8")
    config = tmp_path / "mypy.ini"
    config.write_text(
        f"[mypy]\nstrict = True\nmypy_path = {REPO}\nfollow_imports = silent\n"
        "[mypy-dynaconf.*]\nignore_missing_imports = True\n",
        encoding="utf-8",
    )

    out, err, status = mypy_api.run(
        ["--config-file", str(config), "--cache-dir", str(tmp_path / "cache"), str(tmp_path)]
    )

    assert status == 0, out + err
    assert "Success: no issues found in 1 source file" in out
