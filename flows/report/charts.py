"""Time charts as inline SVG strings: step charts of versions, line charts of measurements.

Pure functions, no scripts: a chart is drawn by the browser from its markup alone, and
hovering a point or a step shows its value (an SVG ``<title>``). All charts of a report
share one time axis, so a model's charts line up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from html import escape
from itertools import pairwise

WIDTH, HEIGHT = 600, 210
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 10, 26
# Tableau 10: told apart by most colour-blind readers; past ten series the colours repeat with a dash pattern.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#79706e")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
Scale = Callable[[float], float]  # a value to its y coordinate
Shown = Callable[[float | Decimal], str]  # a value as the axis and the tooltips show it
EDGE_LABEL = 20  # px: no time label closer than this to the right edge
MARKED_POINTS = 60  # a line of up to this many points shows a dot on each


@dataclass(frozen=True, slots=True)
class Step:
    """One version of a value: ``value`` (None: not stated) from ``start`` until ``end`` (None: still current)."""

    start: datetime
    end: datetime | None
    value: float | None
    retired: bool = False  # the entity was retired here: drawn as a cross
    exact: Decimal | None = None  # the value as stored, for the tooltip, where a float would round it


@dataclass(frozen=True, slots=True)
class Series:
    """A labelled run of steps (versions) or of points (measurements, as steps without an end)."""

    label: str
    style: int  # index into the palette and dash patterns
    steps: tuple[Step, ...]

    @property
    def changed(self) -> bool:
        """Whether its value moved in the chart (or it was retired): what the eye should find first."""
        return len({s.value for s in self.steps}) > 1 or any(s.retired for s in self.steps)


@dataclass(frozen=True, slots=True)
class TimeAxis:
    """The period every chart of a report shows."""

    start: datetime
    end: datetime
    last_seen: datetime  # where the data ends: a still current value is drawn up to here

    @classmethod
    def covering(cls, start: datetime, end: datetime) -> TimeAxis:
        """An axis over ``start``..``end``, widened to a day around them when they are closer than that."""
        if end - start < timedelta(days=1):
            middle = start + (end - start) / 2
            return cls(middle - timedelta(hours=12), middle + timedelta(hours=12), end)
        return cls(start, end, end)

    def x(self, when: datetime) -> float:
        share = (when - self.start) / (self.end - self.start)
        return LEFT + min(max(share, 0.0), 1.0) * (WIDTH - LEFT - RIGHT)

    def ticks(self) -> list[tuple[datetime, str]]:
        """Round times across the axis with their labels: hours, days or months by its length."""
        span = self.end - self.start
        if span <= timedelta(days=3):
            hours = next(h for h in (1, 3, 6, 12, 24) if span / timedelta(hours=h) <= 5)  # long labels: fewer
            first = self.start.replace(minute=0, second=0, microsecond=0)
            if first < self.start:  # no tick before the axis starts (it would be pinned to the edge, mislabelled)
                first += timedelta(hours=1)
            first += timedelta(hours=(-first.hour) % hours)
            times = _stepping(first, self.end, lambda t: t + timedelta(hours=hours))
            return _with_years(times, "%m-%d %H:%M")
        if span <= timedelta(days=120):
            days = next(d for d in (1, 2, 7, 14, 28) if span / timedelta(days=d) <= 8)
            first = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
            if first < self.start:
                first += timedelta(days=1)
            times = _stepping(first, self.end, lambda t: t + timedelta(days=days))
            return _with_years(times, "%m-%d")
        # Past 60-month steps (a span of 40 years and more): whole decades, so no span lacks a step.
        months = next((m for m in (1, 2, 3, 6, 12, 24, 60) if span / timedelta(days=30.44 * m) <= 8),
                      120 * math.ceil(span / timedelta(days=365.25 * 10) / 8))  # fmt: skip
        first = self.start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        while first < self.start or (first.month - 1) % months:
            first = _nth_month(first, 1)
        times = _stepping(first, self.end, lambda t: _nth_month(t, months))
        return [(t, f"{t:%Y-%m}") for t in times]


def _with_years(times: list[datetime], short: str) -> list[tuple[datetime, str]]:
    """Tick labels in ``short`` form, the year in front on the first tick and wherever the year turns."""
    labels, year = [], None
    for t in times:
        labels.append((t, f"{t:%Y-}{t:{short}}" if t.year != year else f"{t:{short}}"))
        year = t.year
    return labels


def chart_svg(
    title: str, series: Sequence[Series], axis: TimeAxis, shown: Shown, *, floor: float | None = 0.0,
    ceiling: float | None = None, lines: bool = False,
) -> str:  # fmt: skip
    """One chart: ``series`` as steps (versions) or, with ``lines``, as points joined by lines (measurements).

    ``shown`` formats a value for the axis and the tooltips; ``floor`` and ``ceiling``
    pin the value axis (None: from the data).
    """
    values = [s.value for one in series for s in one.steps if s.value is not None]
    y, ticks = _value_axis(values, floor, ceiling, lines=lines)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for value in ticks:
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>')
        label = escape(shown(value))
        parts.append(f'<text class="tick" x="{LEFT - 5}" y="{y(value) + 4:.1f}" text-anchor="end">{label}</text>')
    for when, label in axis.ticks():
        x = axis.x(when)
        parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>')
        if x < WIDTH - RIGHT - EDGE_LABEL:  # a label at the very end would be cut off by the chart's edge
            parts.append(f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{label}</text>')
    draw = _line_marks if lines else _step_marks
    # the unchanged underneath, in grey; the changed on top, in colour
    for one in sorted(series, key=lambda one: lines or one.changed):
        parts.extend(draw(one, axis, y, shown, quiet=not (lines or one.changed)))
    parts.append("</svg>")
    return "".join(parts)


def _value_axis(
    values: Sequence[float], floor: float | None, ceiling: float | None, *, lines: bool
) -> tuple[Scale, list[float]]:
    """The value axis: linear, or by powers of two when the values span 8 times and more (a token limit of
    8,192 raised to 16,384 stays visible under a 131,072 line)."""
    positive = [v for v in values if v > 0]
    if not lines and floor == 0.0 and ceiling is None and positive and max(positive) >= 8 * min(positive):
        low, high = math.floor(math.log2(min(positive))), math.ceil(math.log2(max(positive)))
        every = max(1, math.ceil((high - low) / 5))
        ticks = [float(2**e) for e in range(low, high + 1, every)]

        def y_log(value: float) -> float:
            share = (math.log2(max(value, 2.0**low)) - low) / max(high - low, 1)
            return TOP + (1 - share) * (HEIGHT - TOP - BOTTOM)

        return y_log, ticks
    low_, high_, linear_ticks = _value_scale(values, floor, ceiling)

    def y_linear(value: float) -> float:
        return TOP + (1 - (value - low_) / (high_ - low_)) * (HEIGHT - TOP - BOTTOM)

    return y_linear, linear_ticks


QUIET = "#afb8c1"  # the colour of a series that did not change


def stroke(style: int, *, quiet: bool = False) -> str:
    """The SVG stroke attributes of a series style: a colour, and past ten series a dash pattern; grey if quiet."""
    if quiet:
        return f'stroke="{QUIET}"'
    dash = DASHES[(style // len(PALETTE)) % len(DASHES)]
    return f'stroke="{_colour(style)}"' + (f' stroke-dasharray="{dash}"' if dash else "")


def swatch_svg(style: int, *, quiet: bool = False) -> str:
    """A short line in a series' style, for a legend."""
    line = f'<line x1="1" x2="23" y1="5" y2="5" {stroke(style, quiet=quiet)}/>'
    return f'<svg class="swatch" viewBox="0 0 24 10">{line}</svg>'


def _step_marks(one: Series, axis: TimeAxis, y: Scale, shown: Shown, *, quiet: bool = False) -> list[str]:
    """A step line through the versions; a dot where its value changes, a cross where the series was retired
    (at the value it had).

    A new version that changed another attribute only continues the line unmarked.
    """
    path: list[str] = []
    marks: list[str] = []
    previous: Step | None = None
    colour = QUIET if quiet else _colour(one.style)
    for step in one.steps:
        start, end = axis.x(step.start), axis.x(step.end or axis.last_seen)
        seen = step.start >= axis.start  # a version begun before the period has no mark of its start
        if step.value is None:
            if step.retired and seen:
                at = y(previous.value) if previous is not None and previous.value is not None else TOP + 8
                marks.append(f'<path class="retired" d="M{start - 4:.1f} {at - 4:.1f} l8 8 m0 -8 l-8 8" '
                             f'stroke="{colour}">{_tip(one, step, "retired")}</path>')  # fmt: skip
            previous = None
            continue
        level = y(step.value)
        joined = previous is not None and previous.end == step.start
        path.append(f"V{level:.1f}H{end:.1f}" if joined else f"M{start:.1f} {level:.1f}H{end:.1f}")
        if seen and not (joined and previous is not None and previous.value == step.value):
            marks.append(_dot(one, step, start, level, shown(step.exact or step.value), colour=colour))
        previous = step
    return _path(one, path, quiet=quiet) + marks


def _line_marks(one: Series, axis: TimeAxis, y: Scale, shown: Shown, *, quiet: bool = False) -> list[str]:
    """Points joined by a line, broken across a gap much longer than the usual spacing; dots on short series."""
    points = [(s, s.value) for s in one.steps if s.value is not None]
    gaps = sorted(b.start - a.start for (a, _), (b, _) in pairwise(points))
    usual = gaps[len(gaps) // 2] if gaps else timedelta(days=1)
    longest = max(timedelta(days=2), usual * 3)
    path: list[str] = []
    marks: list[str] = []
    for n, (point, value) in enumerate(points):
        x, level = axis.x(point.start), y(value)
        alone_before = n == 0 or point.start - points[n - 1][0].start > longest
        alone_after = n == len(points) - 1 or points[n + 1][0].start - point.start > longest
        path.append(f"{'M' if alone_before else 'L'}{x:.1f} {level:.1f}")
        if len(points) <= MARKED_POINTS or (alone_before and alone_after):
            marks.append(_dot(one, point, x, level, shown(value), colour=QUIET if quiet else _colour(one.style)))
    return _path(one, path, quiet=quiet) + marks


def _path(one: Series, commands: list[str], *, quiet: bool = False) -> list[str]:
    if not commands:
        return []
    title = f"<title>{escape(one.label)}</title>"
    kind = "series quiet" if quiet else "series"
    return [f'<path class="{kind}" d="{"".join(commands)}" {stroke(one.style, quiet=quiet)}>{title}</path>']


def _dot(one: Series, step: Step, x: float, y: float, value: str, *, colour: str) -> str:
    tip = _tip(one, step, value)
    return f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">{tip}</circle>'


def _tip(one: Series, step: Step, value: str) -> str:
    text = f"{one.label}\n{step.start:%Y-%m-%d %H:%M}: {value}"
    return f"<title>{escape(text)}</title>"


def _colour(style: int) -> str:
    return PALETTE[style % len(PALETTE)]


def _value_scale(
    values: Sequence[float], floor: float | None, ceiling: float | None
) -> tuple[float, float, list[float]]:
    """The value axis's bounds and round ticks: about five, covering the values and the pinned ends."""
    low = floor if floor is not None else min(values, default=0.0)
    high = ceiling if ceiling is not None else max(values, default=1.0)
    if high <= low:  # one value: open a band below a pinned ceiling, else above it
        if ceiling is not None:
            low = high - max(abs(high) * 0.05, 1.0)
        else:
            high = low + max(abs(low) * 0.05, 1.0)
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    low = math.floor(low / step) * step if floor is None else low
    high = math.ceil(high / step) * step if ceiling is None else high
    ticks = [low + n * step for n in range(round((high - low) / step) + 1)]
    return low, high, [t for t in ticks if low - 1e-9 <= t <= high + 1e-9]


def _stepping(first: datetime, last: datetime, following: Callable[[datetime], datetime]) -> list[datetime]:
    times = []
    while first <= last:
        times.append(first)
        first = following(first)
    return times


def _nth_month(t: datetime, months: int) -> datetime:
    month = t.month - 1 + months
    return t.replace(year=t.year + month // 12, month=month % 12 + 1, day=1)
