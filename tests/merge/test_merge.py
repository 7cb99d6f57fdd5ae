"""settings/provenance.py: the merge, against a plain reference that scans every key.

The merge indexes the keys inside each table so that its cost is linear in the number of keys
(benchmarks/merge_cost.py measures it). The reference below is the merge as it was written
before that: slow and obvious. On any stack of layers, with every marker, both must give the
same values and the same history, in the same order.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from settings._provenance import MISSING, Assignment, Layer
from settings.merge import Merged, merge
from settings.merge._markers import Extend, Insert, Replace, Unset, Verbatim


def reference_merge(layers: list[Layer]) -> tuple[dict[str, Any], dict[str, list[Assignment]]]:
    values: dict[str, Any] = {}
    history: dict[str, list[Assignment]] = {}

    def record(key: str, origin: str, value: Any, removed: bool = False) -> None:
        history.setdefault(key, []).append(Assignment(key, origin, value, removed))

    def forget(key: str, origin: str, keep: Any) -> None:
        gone = [k for k in values if k == key or k.startswith(key + ".")]
        for dropped in gone:
            del values[dropped]
        recorded = [k for k in gone if k not in keep]
        for dropped in recorded or ([] if keep else [key]):
            record(dropped, origin, None, removed=True)

    def assign(key: str, value: Any, origin: str) -> None:
        if isinstance(value, Unset):
            forget(key, origin, ())
            return
        if isinstance(value, Replace):
            inner = {f"{key}.{name}": item for name, item in value.values.items()}
            forget(key, origin, inner)
            for dotted, item in inner.items():
                assign(dotted, item, origin)
            return
        if isinstance(value, Verbatim):
            value = value.value
        if isinstance(value, Extend | Insert):
            value = value.apply(values.get(key, MISSING))
        for other in [k for k in values if k.startswith(key + ".") or key.startswith(k + ".")]:
            del values[other]
        values[key] = value
        record(key, origin, value)

    for layer in layers:
        for key, value in layer.values.items():
            assign(key, value, layer.origin)
    return values, history


KEYS = st.lists(st.sampled_from("abc"), min_size=1, max_size=3).map(".".join)
PLAIN = st.one_of(st.integers(0, 5), st.lists(st.integers(0, 3), max_size=3))
MARKER = st.one_of(
    PLAIN,
    PLAIN.map(Verbatim),
    st.just(Unset()),
    st.builds(Extend, st.tuples(st.integers(0, 3)), st.booleans()),
    st.builds(Insert, st.just(0), st.integers(0, 3)),
)
VALUE = st.one_of(MARKER, st.dictionaries(KEYS, MARKER, max_size=3).map(Replace))
LAYERS = st.lists(st.dictionaries(KEYS, VALUE, max_size=6), min_size=1, max_size=5).map(
    lambda tables: [Layer(f"layer {n}", table) for n, table in enumerate(tables)]
)


def as_rows(history: dict[str, Any]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    return [(k, [(a.key, a.origin, a.value, a.removed) for a in v]) for k, v in history.items()]


@settings(max_examples=200, deadline=None)
@given(LAYERS)
def test_the_merge_gives_what_the_reference_gives_in_the_same_order(layers) -> None:
    values, history = merge(layers)
    expected_values, expected_history = reference_merge(layers)

    assert list(values.items()) == list(expected_values.items())
    assert as_rows(history) == as_rows(expected_history)


@settings(max_examples=100, deadline=None)
@given(LAYERS)
def test_the_winning_keys_never_nest_and_one_layer_at_a_time_is_the_same(layers) -> None:
    merged = Merged()
    for layer in layers:
        merged.add(layer)

    keys = list(merged.values)
    assert not [(a, b) for a in keys for b in keys if b.startswith(a + ".")]
    assert (merged.values, merged.assignments()) == merge(layers)
