"""settings/_redact.py: one decision of what is secret, one mask, one URL parser."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import AnyUrl, Field, SecretStr, TypeAdapter, ValidationError

from settings import BaseSettings, ImproperlyConfigured, Section, Settings, load_settings, redact
from settings._redact import (
    MASK,
    is_secret,
    mask_text,
    mask_url,
    secret_values,
    shown,
    split_url,
)
from settings.cli import main
from tests.support.deadline import failing_after

#: The URL the redesign issue found masked three ways: its query holds an ``@``.
URL = "postgresql://u:pw@h/db?sslmode=require&application_name=a@b"
MASKED = f"postgresql://u:{MASK}@h/db?sslmode=require&application_name=a@b"


def test_one_url_is_masked_the_same_way_by_every_path() -> None:
    assert mask_url(URL) == MASKED
    assert mask_text(f"could not reach {URL} (timeout)") == f"could not reach {MASKED} (timeout)"
    assert redact(URL) == MASKED


def test_the_parser_ends_the_user_information_before_the_query() -> None:
    parts = split_url(URL)

    assert parts is not None
    assert (parts.userinfo, parts.hostpart, parts.query) == (
        "u:pw",
        "h/db",
        "sslmode=require&application_name=a@b",
    )


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("redis://:token@cache:6379/0", f"redis://:{MASK}@cache:6379/0"),
        (
            "postgresql://db/app?password=pw&ssl=require",
            f"postgresql://db/app?password={MASK}&ssl=require",
        ),
        ("https://h/x?api_token=t0k&page=2", f"https://h/x?api_token={MASK}&page=2"),
        ("postgresql://u:p@ss:w/rd?#%@db/app", f"postgresql://u:{MASK}@db/app"),
        ("http://user@example.com", "http://user@example.com"),
    ],
)
def test_url_passwords_and_credential_query_values_are_masked(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_text_that_is_no_url_is_not_shown_by_mask_url() -> None:
    assert mask_url("not a url: hunter2") == "<not a URL, not shown>"


def test_redact_masks_every_secret_of_a_settings_object_and_strings_given() -> None:
    class Llm(Section):
        api_key: SecretStr = SecretStr("sk-live-123456")

    class Model(Settings):
        llm: Llm = Llm()
        cache: AnyUrl | None = AnyUrl("redis://:cache-pw-9@cache:6379")

    settings = Model(secret_key=SecretStr("k" * 40))
    text = "key sk-live-123456, cache pw cache-pw-9, rotated r0tated-pw, secret " + "k" * 40

    shown = redact(text, settings, "r0tated-pw")

    assert shown == f"key {MASK}, cache pw {MASK}, rotated {MASK}, secret {MASK}"
    assert secret_values(settings) >= {"sk-live-123456", "cache-pw-9", "k" * 40}


def test_what_is_secret_is_decided_by_type_at_any_depth() -> None:
    class Tokens(Section):
        github: list[SecretStr] = Field(default=[])
        password_hint: str = ""  # a name is not a type: not a secret

    class Model(Settings):
        tokens: Tokens = Tokens()
        extra: dict[str, Annotated[SecretStr, "x"]] = Field(default={})

    assert is_secret(Model, "tokens.github")
    assert is_secret(Model, "extra.anything")
    assert is_secret(Model, "database.password")
    assert not is_secret(Model, "tokens.password_hint")
    assert not is_secret(Model, "database.username")


def test_a_copy_is_masked_in_any_case() -> None:
    """A validator may fold a copy (allowed_hosts lower-cases): masked all the same (issue 16,
    item 7)."""
    secret = "Canary-PW-7731-R"

    assert mask_text(f"got {secret.lower()!r} and {secret.upper()}", [secret]) == (
        "got '**********' and **********"
    )
    assert shown(["localhost", secret.lower()], [secret]) == ["localhost", "**********"]


class _Replica(Section):
    host: str = "localhost"
    password: SecretStr = SecretStr("")


class _Endpoint(Section):
    url: str = "https://a.example"
    token: SecretStr = SecretStr("")


class _Containers(BaseSettings):
    replicas: dict[str, _Replica] = Field(default_factory=dict)
    endpoints: list[_Endpoint] = Field(default_factory=list)


def test_secrets_inside_containers_of_sections_are_secret_by_key() -> None:
    assert is_secret(_Containers, "replicas.eu.password")
    assert is_secret(_Containers, "replicas.us-east.password")
    assert not is_secret(_Containers, "replicas.eu.host")
    assert is_secret(_Containers, "endpoints")  # a list's items have no keys: all of it


def test_explain_masks_every_layer_of_a_secret_inside_a_dict_of_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "settings.toml").write_text(
        '[default.replicas.eu]\npassword = "first-overridden-pw"\n'
        '[development.replicas.eu]\npassword = "second-winning-pw"\n'
    )
    model = f"{__name__}:_Containers"
    code = main(["explain", "replicas.eu.password", "--root", str(tmp_path), "--model", model])

    out = capsys.readouterr().out
    assert code == 0
    assert "first-overridden-pw" not in out and "second-winning-pw" not in out
    assert out.count(MASK) >= 2


def test_a_secret_escaped_as_repr_or_json_writes_it_is_masked() -> None:
    secret = "Zq7Canary\\path\"it's\x01"
    quoted = f"invalid literal for int() with base 10: {secret!r}; {json.dumps(secret)}"

    masked = mask_text(quoted, [secret])

    assert "Zq7Canary" not in masked
    assert masked == "invalid literal for int() with base 10: '**********'; \"**********\""


def test_a_long_secret_shortened_by_pydantic_is_masked_at_both_ends() -> None:
    secret = "Zq7CanaryLongKey_" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL"
    try:
        TypeAdapter(int).validate_python(secret)
    except ValidationError as exc:
        text = str(exc)

    masked = mask_text(text, [secret])

    assert "input_value='" + secret[:24] + "..." in text  # what Pydantic shows of it
    assert "input_value='**********...**********'" in masked


#: A 4 KB key, as a mounted secret file may hold: letters and digits only, so that no
#: character of it ends a copy early.
LONG_KEY = "".join(random.Random(4096).choices(string.ascii_letters + string.digits, k=4096))


def test_a_4_kb_secret_is_masked_whole_and_at_both_ends_however_long_the_copy() -> None:
    """Each start and each end of a long secret used to be a pattern of its own: for a 4 KB
    key, millions of characters to compile, and every load that masked anything hung."""
    key = LONG_KEY
    text = (
        f"got '{key[:24]}...{key[-24:]}'; whole {key}; cut {key[:900]}x; "
        f"tail {key[-700:].upper()}; short {key[:15]}"
    )

    with failing_after(10, "mask_text"):
        masked = mask_text(text, [key])

    assert masked == (
        f"got '{MASK}...{MASK}'; whole {MASK}; cut {MASK}x; tail {MASK}; short {key[:15]}"
    )


def test_a_text_that_repeats_a_secret_s_start_is_masked_in_one_pass() -> None:
    """Every position of ``aaa...`` starts a copy of ``aaa...``: each is grown only past the
    last copy, not again from every position (a megabyte times 4 KB of comparisons)."""
    with failing_after(10, "mask_text"):
        masked = mask_text("[" + "a" * 1_000_000 + "]", ["a" * 4096])

    assert masked == f"[{MASK}]"


def test_a_load_with_a_4_kb_secret_key_quotes_no_piece_of_it(tmp_path: Path) -> None:
    """A refused value that begins as the key does is not quoted (nor hangs the load)."""
    (tmp_path / "settings.toml").write_text("[default]\n[development]\n", encoding="utf-8")
    environ = {"SECRET_KEY": LONG_KEY, "APP_SERVER__REPLICAS": LONG_KEY[:40]}

    with failing_after(10, "load_settings"), pytest.raises(ImproperlyConfigured) as refused:
        load_settings(root=tmp_path, environ=environ)

    report = str(refused.value)
    assert "server.replicas" in report
    assert LONG_KEY[:16] not in report


@pytest.mark.parametrize(
    ("secret", "copy"),
    [
        ("İstanbulKey1234", "İstanbulKey1234".lower()),  # İ lower-cases to two characters
        ("straßeKey99", "STRASSEKEY99"),  # ß upper-cases to SS
        ("ﬁnalKey77", "finalkey77"),  # the ligature folds to two letters
    ],
    ids=["lower", "upper", "folded"],
)
def test_a_copy_whose_case_change_changes_its_length_is_masked(secret: str, copy: str) -> None:
    assert redact(f"host {copy} bad", secret) == f"host {MASK} bad"


def test_a_secret_inside_a_longer_word_is_not_masked_there() -> None:
    """Masking ``postgres`` inside ``postgresql+asyncpg`` would spell the password."""
    text = "driver postgresql+asyncpg; user postgres; url x://u:p@h; (postgres)"

    assert mask_text(text, ["postgres"]) == (
        "driver postgresql+asyncpg; user **********; url x://u:**********@h; (**********)"
    )
