"""The chat backend's own settings model: exactly the example of SPEC section 9."""

from __future__ import annotations

from typing import Annotated

from pydantic import AnyUrl, SecretStr

from settings import EnvVar, Section, Settings


class LlmConfig(Section):  # frozen, unknown keys refused, secrets masked
    api_key: Annotated[SecretStr, EnvVar("LLM_API_KEY")] = SecretStr("")
    model: str = "small"


class AppSettings(Settings):  # keeps every base field of section 3
    llm: LlmConfig = LlmConfig()
    redis_url: Annotated[AnyUrl | None, EnvVar("REDIS_URL")] = None  # off until set
    features: dict[str, bool] = {}  # noqa: RUF012 - SPEC 9's text; pydantic copies it
