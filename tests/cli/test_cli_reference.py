"""``reference``: every setting of the active model as Markdown (docs/settings.md is generated
from it: tests/test_generated_documents.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AnyUrl, Field, SecretStr

from settings import EnvVar, Section, Settings


class LlmConfig(Section):
    """The language model the app calls."""

    api_key: Annotated[SecretStr, EnvVar("LLM_API_KEY")] = Field(
        SecretStr("sk-default-canary"), description="Key | with a pipe."
    )
    model: str = Field("small", description="Which model.")


class ReferenceSettings(Settings):
    llm: LlmConfig = LlmConfig()
    endpoint: AnyUrl | None = None
    features: dict[str, bool] = Field(default_factory=dict)


MODEL = f"{__name__}:ReferenceSettings"


def rows(markdown: str) -> dict[str, list[str]]:
    found = {}
    for line in markdown.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            found[cells[0].strip("`")] = cells
    return found


def test_one_row_per_setting_of_an_applications_own_model(cli) -> None:
    result = cli("reference", "--model", MODEL)

    table = rows(result.out)
    assert result.code == 0
    assert set(table) >= {"llm.api_key", "llm.model", "endpoint", "features", "database.pool.size"}
    assert "## `llm`\n\nThe language model the app calls." in result.out


def test_a_secret_row_names_every_variable_and_masks_its_default(cli) -> None:
    result = cli("reference", "--model", MODEL)

    _key, type_, default, variables, secret, description = rows(result.out)["llm.api_key"]
    assert type_ == "SecretStr"
    assert default == '`"**********"`'
    assert variables.split("<br>") == [
        "`APP_LLM__API_KEY`",
        "`APP_LLM__API_KEY_FILE`",
        "`LLM_API_KEY`",
        "`LLM_API_KEY_FILE`",
    ]
    assert secret == "yes"
    assert description == "Key \\| with a pipe."
    assert "sk-default-canary" not in result.out


def test_types_defaults_and_url_passwords(cli) -> None:
    table = rows(cli("reference", "--model", MODEL).out)

    assert table["endpoint"][1:3] == ["AnyUrl or none", "not set"]
    assert table["endpoint"][4] == "its password"
    assert table["features"][1:4] == ["table of bool", "`{}`", "`APP_FEATURES__<NAME>`"]
    assert table["database.port"][1] == "int or none, >= 1, <= 65535"
    assert "`DATABASE_URL`" in table["database.port"][3]
    assert "`DATABASE_URL`" not in table["database.pool.size"][3]
    assert table["secret_key"][2] == "required"
    assert table["environment"][3] == "`ENV_FOR_DYNACONF`"


def test_the_model_comes_from_discovery_without_model_option(cli, settings_dir) -> None:
    (settings_dir / "pyproject.toml").write_text(f'[tool.settings]\nmodel = "{MODEL}"\n')

    result = cli("reference")

    assert f"# Settings reference: `{MODEL}`" in result.out
