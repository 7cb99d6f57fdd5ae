"""``.env`` as the command line shows it: a source in ``show``'s header, origins in ``explain``,
a warning with an id in production."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import PRODUCTION

ROOT = Path(__file__).resolve().parents[2]


def test_show_lists_dotenv_among_the_files_and_as_origin(cli, settings_dir) -> None:
    (settings_dir / ".env").write_text("DB_PORT=6543\n")

    result = cli("show")

    assert result.code == 0
    assert result.out.splitlines()[0].startswith(
        "# environment development; files: settings.toml, .env; variables: DB_PORT"
    )
    assert any(
        line.startswith("database.port = 6543") and line.endswith("# .env DB_PORT")
        for line in result.out.splitlines()
    )


def test_explain_shows_the_dotenv_layer_below_the_real_variable(cli, settings_dir) -> None:
    (settings_dir / ".env").write_text("DB_PORT=6543\n")

    result = cli("explain", "database.port", environ={"DB_PORT": "7000"})

    lines = result.out.splitlines()
    assert "env DB_PORT" in lines[-2] and "7000" in lines[-2] and "<- wins" in lines[-2]
    assert not any(".env DB_PORT" in line for line in lines)  # shadowed name by name


def test_explain_names_dotenv_when_it_wins(cli, settings_dir) -> None:
    (settings_dir / ".env").write_text("DB_PORT=6543\n")

    result = cli("explain", "database.port")

    assert ".env DB_PORT" in result.out and "<- wins" in result.out


def test_check_in_production_warns_about_dotenv(cli, settings_dir) -> None:
    (settings_dir / ".env").write_text("DB_HOST=db.example\n")

    result = cli("check", environ=PRODUCTION)

    assert result.code == 0
    assert "settings.W004" in result.err
    assert ".env is loaded" in result.err


def test_dotenv_is_git_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()

    assert ".env" in ignored
