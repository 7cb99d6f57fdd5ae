"""settings/audit.py: the audit line of a start or a reload, and the fingerprint it carries."""

from __future__ import annotations

from typing import Annotated

from pydantic import AnyUrl

from settings import EnvVar, Settings, load_settings
from settings.fastapi._audit import audit_line, changes
from settings.schema._fingerprint import secrets_version

CANARY = "rotated-secret-canary-0123456789abcdef"


class Model(Settings):
    """A URL typed as a URL, not as a secret: its password is masked all the same."""

    cache_url: Annotated[AnyUrl | None, EnvVar("CACHE_URL")] = None


def test_startup_line_names_the_fingerprint(project) -> None:
    settings = project.load({})

    line = audit_line("startup", None, settings)

    assert line == (
        f"Audit: settings startup; environment development; "
        f"secrets none -> {secrets_version(settings)}; fingerprint none -> {settings.fingerprint}"
    )


def test_same_files_and_variables_give_the_same_fingerprint(project) -> None:
    a, b = project.load({"DB_PORT": "5433"}), project.load({"DB_PORT": "5433"})

    assert a.fingerprint == b.fingerprint


def test_a_reload_names_the_changed_key_its_values_and_new_origin(project) -> None:
    old = project.load({})
    new = project.load({"APP_DATABASE__POOL__SIZE": "7"})

    line = audit_line("reload", old, new)

    assert f"fingerprint {old.fingerprint} -> {new.fingerprint}" in line
    assert old.fingerprint != new.fingerprint
    assert line.endswith("1 changed: database.pool.size 5 -> 7 (env APP_DATABASE__POOL__SIZE)")


def test_a_changed_secret_is_named_never_shown(project) -> None:
    old = project.load({})
    project.write(".secrets.toml", f"[default.database]\npassword = '{CANARY}'\n")
    new = project.load({})

    line = audit_line("reload", old, new)

    assert "database.password changed (.secrets.toml [default])" in line
    assert CANARY not in line
    assert f"secrets {secrets_version(old)} -> {secrets_version(new)};" in line
    assert secrets_version(old) != secrets_version(new)
    assert old.fingerprint != new.fingerprint  # the password was empty, and is now set


def test_a_url_whose_password_alone_changed_says_changed(project) -> None:
    old = load_settings(
        root=project.root, environ={"CACHE_URL": "redis://u:old-pw@h/0"}, model=Model
    )
    new = load_settings(
        root=project.root, environ={"CACHE_URL": f"redis://u:{CANARY}@h/0"}, model=Model
    )

    assert [(c.key, c.new) for c in changes(old, new)] == [("cache_url", None)]
    line = audit_line("reload", old, new)
    assert "cache_url changed (env CACHE_URL)" in line
    assert CANARY not in line and "old-pw" not in line


def test_no_change(project) -> None:
    settings = project.load({})

    assert audit_line("reload", settings, project.load({})).endswith("; no change")


def test_a_refused_reload_keeps_the_fingerprint(project) -> None:
    settings = project.load({})
    same = settings.fingerprint

    line = audit_line("reload", settings, settings, refused=2)

    assert f"fingerprint {same} -> {same}; refused (2 errors, reported above)" in line
