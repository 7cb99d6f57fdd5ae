"""``MISSING``: the one sentinel of the package, for "no value here" wherever ``None`` is a
value (a setting may be ``None``): no value below a merge marker, a key absent on one side of a
``diff``, a key ``this`` does not have, a field whose schema gives no default."""

from __future__ import annotations

from typing import Any, Final


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final[Any] = _Missing()
