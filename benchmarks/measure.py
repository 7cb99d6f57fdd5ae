"""Samples, interleaved rounds, targets and the printed table.

Every benchmark here compares variants measured in the same run: each round runs every variant
once, in a rotated order, so that a noisy neighbour on a shared machine slows all of them alike.
A ratio is the median of the per-round ratios (paired by round), not a ratio of two medians
taken at different moments.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Series:
    """One variant's samples, one per round. ``higher_is_better`` for throughput."""

    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    higher_is_better: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


@dataclass(frozen=True)
class Target:
    """``numerator / denominator`` (per-round, median) compared with ``limit``.

    With ``op=None`` the ratio is shown for reference only and has no verdict.
    """

    label: str
    numerator: str
    denominator: str
    op: str | None  # "<=", ">=" or None
    limit: float = 0.0


@dataclass
class Outcome:
    target: Target
    ratio: float
    spread: tuple[float, float]

    @property
    def passed(self) -> bool | None:
        if self.target.op is None:
            return None
        if self.target.op == "<=":
            return self.ratio <= self.target.limit
        return self.ratio >= self.target.limit


@dataclass(frozen=True)
class Check:
    """A fact verified along the way (no timing), shown with the targets."""

    label: str
    passed: bool


@dataclass
class Section:
    """One benchmark's series, targets and notes (facts checked along the way)."""

    title: str
    series: dict[str, Series] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, unit: str, *, higher_is_better: bool = False) -> Series:
        self.series[name] = Series(name, unit, higher_is_better=higher_is_better)
        return self.series[name]

    def outcomes(self) -> list[Outcome]:
        results = []
        for target in self.targets:
            top = self.series[target.numerator].samples
            bottom = self.series[target.denominator].samples
            ratios = [a / b for a, b in zip(top, bottom, strict=True) if b > 0]
            if ratios:
                spread = (min(ratios), max(ratios))
                results.append(Outcome(target, statistics.median(ratios), spread))
        return results


Sample = float | tuple[float, ...]


def interleave(
    variants: Sequence[tuple[Series | Sequence[Series], Callable[[], Sample]]],
    rounds: int,
    warmup: int = 1,
) -> None:
    """Run every variant once per round, rotating the order; discard ``warmup`` rounds.

    A variant that measures several things at once (wall and CPU time) gives one series per
    value its run returns.
    """
    count = len(variants)
    for index in range(warmup + rounds):
        shift = index % count
        for series, run in [*variants[shift:], *variants[:shift]]:
            value = run()
            if index < warmup:
                continue
            targets = [series] if isinstance(series, Series) else series
            values = [value] if isinstance(value, float | int) else value
            for each, sample in zip(targets, values, strict=True):
                each.samples.append(float(sample))  # NaN: nothing measured (a --smoke sample)


def verdicts(sections: Sequence[Section]) -> list[bool]:
    """Every target's and check's pass/fail, in table order."""
    return [
        *(o.passed for section in sections for o in section.outcomes() if o.passed is not None),
        *(check.passed for section in sections for check in section.checks),
    ]


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(sections: Sequence[Section]) -> str:
    """A plain-text table (also valid Markdown) of every series, then every target."""
    lines = [
        "| benchmark | variant | unit | min | median | max | n |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for section in sections:
        for series in section.series.values():
            if not series.samples:
                continue
            values = (min(series.samples), series.median, max(series.samples))
            cells = " | ".join(_number(v) for v in values)
            lines.append(
                f"| {section.title} | {series.name} | {series.unit} | {cells} "
                f"| {len(series.samples)} |"
            )
    lines += [
        "",
        "| target | ratio (median of per-round ratios) | round range | limit | result |",
        "|---|---:|---:|---:|---|",
    ]
    for section in sections:
        for outcome in section.outcomes():
            target = outcome.target
            low, high = outcome.spread
            verdict = {True: "PASS", False: "FAIL", None: "reference"}[outcome.passed]
            limit = f"{target.op} {target.limit:g}" if target.op else ""
            lines.append(
                f"| {section.title}: {target.label} | {outcome.ratio:.3f}x "
                f"| {low:.2f}-{high:.2f} | {limit} | {verdict} |"
            )
        for check in section.checks:
            verdict = "PASS" if check.passed else "FAIL"
            lines.append(f"| {section.title}: {check.label} | | | | {verdict} |")
    notes = [f"- {section.title}: {note}" for section in sections for note in section.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)
