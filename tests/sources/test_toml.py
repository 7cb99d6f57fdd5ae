"""settings/sources/_toml.py: deeply nested TOML is a report naming the file, not a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import ImproperlyConfigured, load_settings


@pytest.mark.parametrize(
    "toml",
    [
        "[default.cors]\norigins = " + "[" * 5000 + '"x"' + "]" * 5000,
        "[default]\nx = " + "{ a = " * 5000 + "1" + " }" * 5000,
        "[default]\n" + ".".join(["a"] * 5000) + " = 1",
        "[default.cors]\norigins = " + "[" * 300 + '"x"' + "]" * 300,
    ],
    ids=["array-5000", "inline-table-5000", "dotted-key-5000", "array-300"],
)
def test_deeply_nested_toml_is_reported_with_its_file(root: Path, toml: str) -> None:
    (root / ".secrets.toml").write_text(toml + "\n", encoding="utf-8")

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("testing", root=root, environ={})

    assert [(p.key, p.origin) for p in caught.value.problems] == [("settings", ".secrets.toml")]
    assert "nested more than" in str(caught.value)
