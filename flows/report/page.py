"""``modelsync report``: one self-contained HTML file of the history, charts drawn as inline SVG.

``report_data`` reads the views (the only I/O here); ``report_html`` turns what it read into
the page. The page has no scripts and loads nothing: its Content-Security-Policy forbids it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import partial
from html import escape
from typing import Any

from extractors.registry import source_origins
from flows.report.charts import Series, Shown, Step, TimeAxis, chart_svg, swatch_svg

Row = tuple[Any, ...]
CHANGE_ROWS = 2_000  # the change log's length cap: ``modelsync changes`` lists the rest


@dataclass(frozen=True, slots=True)
class ReportScope:
    """What a report shows: models and providers matching any substring given (none: all), since when, how many."""

    models: tuple[str, ...]
    providers: tuple[str, ...]
    since: datetime | None
    max_models: int


@dataclass(frozen=True, slots=True)
class ReportData:
    """The rows a report draws, as the views gave them."""

    scope: ReportScope
    warehouse: str
    generated_at: datetime
    since: datetime
    until: datetime
    axis: TimeAxis
    matched: int  # models matching the scope, of which ``chosen`` are shown
    chosen: tuple[str, ...]
    names: dict[str, str]
    endpoint_versions: list[Row]
    uptime: list[Row]
    benchmark_versions: list[Row]
    changes: list[Row]
    conflicts: list[Row]
    sources: list[Row]


@dataclass(frozen=True, slots=True)
class ModelRows:
    """One model's rows of each kind."""

    versions: list[Row]  # source, model_id, endpoint_key, provider, is_deleted, valid_from, valid_to, values...
    uptime: list[Row]  # source, model_id, endpoint_key, provider, observed_at, uptime_pct
    scores: list[Row]  # model_id, benchmark, source, is_deleted, valid_from, valid_to, score
    changes: int  # in the period


class NothingToReport(Exception):
    """The warehouse has no data, or none that matches the scope."""


def report_data(con: Any, scope: ReportScope, warehouse: str, now: datetime) -> ReportData:
    """Read what the report shows from the warehouse's views.

    Raises:
        NothingToReport: no version or score lies in the scope.
    """
    from warehouse import queries

    first, newest = con.execute(queries.REPORT_SPAN).fetchall()[0]
    if first is None or newest is None:
        raise NothingToReport("the warehouse has no loaded data yet (run modelsync sync, import or backfill)")
    since = scope.since or first
    if since > newest:
        raise NothingToReport(
            f"its newest data is from {newest:%Y-%m-%d %H:%M} UTC, before --since {since:%Y-%m-%d %H:%M}"
        )
    until = newest
    params = {"models": list(scope.models), "providers": list(scope.providers), "since": since, "until": until}

    def rows(sql: str) -> list[Row]:
        named = {key: value for key, value in params.items() if f"${key}" in sql}
        return list(con.execute(sql, named).fetchall())

    matched = rows(queries.REPORT_MODELS)
    if not matched:
        raise NothingToReport(f"no model has data in {_scope_text(scope, since, until)}")
    chosen = tuple(model_id for model_id, _ in matched[: scope.max_models])
    params["chosen"] = list(chosen)
    names: dict[str, str | None] = dict(rows(queries.REPORT_NAMES))
    status = con.execute(queries.STATUS, {"origins": source_origins(), "now": now}).fetchall()
    return ReportData(
        scope=scope,
        warehouse=warehouse,
        generated_at=now,
        since=since,
        until=until,
        axis=TimeAxis.covering(since, until),
        matched=len(matched),
        chosen=chosen,
        names={k: v for k, v in names.items() if v},
        endpoint_versions=rows(queries.REPORT_ENDPOINT_VERSIONS),
        uptime=rows(queries.REPORT_UPTIME),
        benchmark_versions=rows(queries.REPORT_BENCHMARK_VERSIONS),
        changes=rows(queries.REPORT_CHANGES),
        conflicts=rows(queries.REPORT_CONFLICTS),
        sources=status,
    )


def report_html(data: ReportData) -> str:
    """The report page: a summary, each chosen model's charts, the change log and the open conflicts."""
    versions = _grouped(data.endpoint_versions, key=lambda r: r[1])
    uptime = _grouped(data.uptime, key=lambda r: r[1])
    scores = _grouped(data.benchmark_versions, key=lambda r: r[0])
    changed = Counter(change[1] for change in data.changes)
    # charts for the models that changed; those that did not are one table row each
    models = [
        _model_section(n, model_id, data, ModelRows(versions.get(model_id, []), uptime.get(model_id, []),
                                                    scores.get(model_id, []), changed[model_id]))
        for n, model_id in enumerate(data.chosen) if changed[model_id]
    ]  # fmt: skip
    models.append(_unchanged_section([m for m in data.chosen if not changed[m]], data, versions))
    title = "modelsync report" + (f": {', '.join(data.scope.models)}" if data.scope.models else "")
    return "".join([
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>",
        _header(data, title, changed),
        *models,
        _changes_section(data.changes),
        _conflicts_section(data.conflicts),
        f"<footer>Written by <code>modelsync report</code> from {escape(data.warehouse)} at "
        f"{data.generated_at:%Y-%m-%d %H:%M} UTC. A self-contained page: no scripts, nothing loaded. "
        "Hover a line or a dot for its value.</footer>",
        "</main></body></html>\n",
    ])  # fmt: skip


def _header(data: ReportData, title: str, changed: Counter[str]) -> str:
    scope = data.scope
    filters = [f"model contains {' or '.join(map(repr, scope.models))}" if scope.models else "",
               f"provider contains {' or '.join(map(repr, scope.providers))}" if scope.providers else ""]  # fmt: skip
    shown = (
        f'<p class="note">Showing the {len(data.chosen)} most changed of {data.matched} matching models. '
        "Choose with <code>--model</code>, or show more with <code>--max-models</code>.</p>"
        if data.matched > len(data.chosen)
        else ""
    )
    period = (
        f"One snapshot, {data.since:%Y-%m-%d %H:%M} UTC"
        if data.since == data.until
        else f"From {data.since:%Y-%m-%d %H:%M} to {data.until:%Y-%m-%d %H:%M} UTC"
    )
    endpoints = {(r[0], r[1], r[2]) for r in data.endpoint_versions}
    conflicted = {(r[0], r[1]) for r in data.conflicts}
    summary = (
        f'<dl class="summary"><div><dt>Models</dt><dd>{len(data.chosen)}</dd></div>'
        f"<div><dt>Endpoints</dt><dd>{len(endpoints)}</dd></div>"
        f"<div><dt>Changes</dt><dd>{len(data.changes)}</dd></div>"
        f"<div><dt>Open conflicts</dt><dd>{len(conflicted)}</dd></div></dl>"
    )
    links = "".join(f'<li><a href="#{f"model-{n}" if changed[model_id] else "unchanged"}">{escape(model_id)}</a></li>'
                    for n, model_id in enumerate(data.chosen))  # fmt: skip
    sources = _table(
        ("Source", "Last run", "Status", "Started (UTC)", "Newest data (UTC)"),
        [(r[0], r[1] or "never", r[2] or "", r[3] or "", r[7] or "") for r in data.sources],
        classes=("", "", "status", "", ""),
    )
    return (
        f"<header><h1>{escape(title)}</h1>"
        f"<p>{period}{'; ' + '; '.join(f for f in filters if f) if any(filters) else ''}.</p>"
        f"{shown}{summary}<nav><h2>Models</h2><ul>{links}</ul>"
        '<p><a href="#changes">Change log</a> · '
        + ('<a href="#unchanged">Unchanged models</a> · ' if any(not changed[m] for m in data.chosen) else "")
        + '<a href="#conflicts">Open conflicts</a></p></nav>'
        f"<details><summary>Sources and their last runs</summary>{sources}</details></header>"
    )


def _model_section(n: int, model_id: str, data: ReportData, rows: ModelRows) -> str:
    """One model: its endpoints' legend, then uptime, max output, prices and benchmark charts."""
    styles: dict[tuple[str, str], int] = {}  # (source, endpoint key): one colour and dash across the charts
    labels: dict[tuple[str, str], str] = {}
    for source, _, endpoint_key, provider, *_ in rows.versions + rows.uptime:
        styles.setdefault((source, endpoint_key), len(styles))
        labels.setdefault((source, endpoint_key), f"{provider or '?'} · {endpoint_key} · {source}")

    def series(rows: list[Row], step: Callable[[Row], Step]) -> list[Series]:
        by_endpoint = _grouped(rows, key=lambda r: (r[0], r[2]))
        return [Series(labels[key], styles[key], tuple(map(step, group))) for key, group in by_endpoint.items()]

    uptime = series(rows.uptime, lambda r: Step(r[4], None, r[5]))
    figures = [_figure("Uptime, daily (%)", uptime, data.axis, _percent, "No uptime measured in this period.",
                       floor=None, ceiling=100.0, lines=True, legend=True)]  # fmt: skip
    for caption, column, shown, missing in ENDPOINT_CHARTS:
        steps = series(rows.versions, partial(_version_step, column=column))
        figures.append(_figure(caption, steps, data.axis, shown, missing, legend=True))
    scored = _grouped(rows.scores, key=lambda r: f"{r[1]} · {r[2]}")  # benchmark · source
    scores = [Series(label, n_style, tuple(Step(r[4], r[5], None if r[3] else r[6], r[3]) for r in group))
              for n_style, (label, group) in enumerate(scored.items())]  # fmt: skip
    figures.append(_figure("Benchmark scores (0-100)", scores, data.axis, _score, "No benchmark scores.",
                           ceiling=100.0, legend=True))  # fmt: skip
    facts = [data.names.get(model_id, ""), f"{len(styles)} endpoints",
             f"{rows.changes} change{'' if rows.changes == 1 else 's'} in this period"]  # fmt: skip
    return (
        f'<section class="model" id="model-{n}"><h2>{escape(model_id)}</h2>'
        f'<p class="facts">{escape(" · ".join(f for f in facts if f))}</p>'
        f'<div class="charts">{"".join(figures)}</div></section>'
    )


def _unchanged_section(model_ids: list[str], data: ReportData, versions: dict[str, list[Row]]) -> str:
    """The models with no change in the period, a row each: their endpoints and current limits and prices."""
    if not model_ids:
        return ""
    rows = []
    for model_id in model_ids:
        current = [r for r in versions.get(model_id, []) if not r[4] and r[6] is None]
        endpoints = {(r[0], r[2]) for r in current}
        rows.append((model_id, data.names.get(model_id, ""), len(endpoints),
                     _span([r[7] for r in current], _tokens), _span([r[8] for r in current], _dollars),
                     _span([r[9] for r in current], _dollars)))  # fmt: skip
    table = _table(("Model", "Name", "Endpoints", "Max output", "Input $/M", "Output $/M"), rows,
                   classes=("", "", "", "nowrap", "nowrap", "nowrap"))  # fmt: skip
    return (f'<section id="unchanged"><h2>Unchanged in this period</h2><p class="facts">{len(rows)} models '
            f"whose endpoints and scores did not change: their values now.</p>{table}</section>")  # fmt: skip


def _span(values: list[Any], shown: Shown) -> str:
    """``8k`` or ``8k-131k``: the range of the values given, as ``shown`` writes them; empty when none."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return ""
    low, high = shown(known[0]), shown(known[-1])
    return low if low == high else f"{low}-{high}"


def _version_step(row: Row, column: int) -> Step:
    """An endpoint version as a step of the value in ``column`` (none while retired); a price keeps its exact value."""
    value = None if row[4] else row[column]
    if isinstance(value, Decimal):
        return Step(row[5], row[6], float(value), row[4], exact=value)
    return Step(row[5], row[6], value, row[4])


def _figure(
    caption: str, series: list[Series], axis: TimeAxis, shown: Shown, missing: str, *,
    legend: bool = False, **scale: Any,
) -> str:  # fmt: skip
    """A captioned chart, or the sentence ``missing`` when no series has a value."""
    if not any(step.value is not None for one in series for step in one.steps):
        return f'<figure><figcaption>{escape(caption)}</figcaption><p class="empty">{escape(missing)}</p></figure>'
    lines = bool(scale.get("lines"))
    series = _restyled(series, lines=lines)
    chart = chart_svg(caption, series, axis, shown, **scale)
    key = _legend(series, lines=lines) if legend else ""
    return f"<figure><figcaption>{escape(caption)}</figcaption>{chart}{key}</figure>"


def _restyled(series: list[Series], *, lines: bool) -> list[Series]:
    """The chart's own colours: the palette in order for the series that changed (every one of a measurement
    chart); those that did not are drawn grey."""
    coloured = [one for one in series if lines or one.changed]
    styles = {id(one): n for n, one in enumerate(coloured)}
    return [replace(one, style=styles[id(one)]) if id(one) in styles else one for one in series]


def _changes_section(changes: Sequence[Row]) -> str:
    shown = changes[:CHANGE_ROWS]
    more = (
        f'<p class="note">The newest {CHANGE_ROWS:,} of {len(changes):,} changes; '
        "<code>modelsync changes</code> lists them all.</p>"
        if len(changes) > CHANGE_ROWS
        else ""
    )
    rows = [(f"{c[0]:%Y-%m-%d %H:%M}", c[1], c[2] or "", c[3] or "", c[4], c[5] or "", c[6] or "", c[7])
            for c in shown]  # fmt: skip
    table = _table(("When (UTC)", "Model", "Provider", "Endpoint", "Field", "Old", "New", "Source"), rows,
                   classes=("nowrap", "", "", "", "", "value", "value", ""))  # fmt: skip
    body = table if rows else '<p class="empty">No changes in this period.</p>'
    return f'<section id="changes"><h2>Change log</h2>{more}{body}</section>'


def _conflicts_section(conflicts: Sequence[Row]) -> str:
    grouped = _grouped(conflicts, key=lambda r: (r[0], r[1]))
    rows = [
        (model_id, field, "\n".join(f"{r[2]}: {r[3]}" for r in group), f"{max(r[4] for r in group):%Y-%m-%d %H:%M}")
        for (model_id, field), group in grouped.items()
    ]
    table = _table(("Model", "Field", "Values by source", "Last seen (UTC)"), rows,
                   classes=("", "", "value lines", "nowrap"))  # fmt: skip
    body = table if rows else '<p class="empty">The sources agree on every field of these models.</p>'
    return f'<section id="conflicts"><h2>Open conflicts</h2>{body}</section>'


def _legend(series: Sequence[Series], *, lines: bool) -> str:
    """A chart's own key: each series that changed in its colour, then the unchanged ones together in grey."""
    moved = [one for one in series if lines or one.changed]
    still = [one for one in series if not (lines or one.changed)]
    items = "".join(f'<li class="changed">{swatch_svg(one.style)}{escape(one.label)}</li>' for one in moved)
    if still:
        names = ", ".join(one.label for one in still)
        items += f'<li class="unchanged">{swatch_svg(0, quiet=True)}unchanged: {escape(names)}</li>'
    return f'<ul class="legend">{items}</ul>' if items else ""


def _table(headings: Sequence[str], rows: Sequence[Sequence[object]], classes: Sequence[str]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join(
        "<tr>" + "".join(f'<td class="{c}">{escape(str(v))}</td>' if c else f"<td>{escape(str(v))}</td>"
                         for v, c in zip(row, classes, strict=True)) + "</tr>"
        for row in rows
    )  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _grouped(rows: Iterable[Row], key: Callable[[Row], Any]) -> dict[Any, list[Row]]:
    groups: defaultdict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return dict(groups)


def _scope_text(scope: ReportScope, since: datetime, until: datetime) -> str:
    options = [f"--model {m}" for m in scope.models] + [f"--provider {p}" for p in scope.providers]
    period = f"{since:%Y-%m-%d %H:%M}..{until:%Y-%m-%d %H:%M} UTC"
    return period + (f" with {' '.join(options)}" if options else "")


def _score(value: float | Decimal) -> str:
    return f"{value:.1f}" if value % 1 else f"{value:.0f}"


def _percent(value: float | Decimal) -> str:
    return f"{_score(value)}%"


def _tokens(value: float | Decimal) -> str:
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(float(value)) >= size:
            return f"{value / size:.4g}{suffix}"
    return f"{value:.0f}"


def _dollars(value: float | Decimal) -> str:
    """``$0.17992692`` for a stored price, to its last digit; ``$0.18`` for an axis tick."""
    if isinstance(value, Decimal):
        return f"${value.normalize():f}" if value else "$0"
    return f"${value:.4g}" if value else "$0"


ENDPOINT_CHARTS = (  # caption, column of the version rows, how a value is shown, what is said when none has one
    ("Max output (tokens)", 7, _tokens, "No endpoint states a max output."),
    ("Input price ($ per M tokens)", 8, _dollars, "No endpoint states an input price."),
    ("Output price ($ per M tokens)", 9, _dollars, "No endpoint states an output price."),
)


STYLE = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
main { max-width: 1280px; margin: 0 auto; padding: 16px 24px 40px; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 17px; margin: 28px 0 6px; }
nav h2 { font-size: 14px; margin: 12px 0 4px; } nav ul { columns: 3 260px; margin: 0; padding-left: 18px; }
a { color: #0969da; } code { font-size: 13px; background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
.note { background: #fff8c5; border: 1px solid #e7d57a; padding: 6px 10px; border-radius: 4px; }
.summary { display: flex; gap: 28px; margin: 12px 0; }
.summary div { border-left: 3px solid #4e79a7; padding-left: 8px; }
.summary dt { color: var(--muted); font-size: 12px; } .summary dd { margin: 0; font-size: 20px; font-weight: 600; }
details { margin: 10px 0; } summary { cursor: pointer; color: var(--muted); }
section.model { border-top: 1px solid var(--rule); margin-top: 18px; }
.facts { color: var(--muted); margin: 0 0 6px; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 2px 16px; padding: 0; margin: 6px 0; font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 4px; } .legend .unchanged { color: var(--muted); }
.legend .changed { font-weight: 600; }
.swatch { width: 24px; height: 10px; } .swatch line { stroke-width: 2.5; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 8px 20px; }
figure { margin: 0; } figcaption { font-weight: 600; font-size: 13px; margin: 6px 0 2px; }
svg.chart { width: 100%; height: auto; display: block; }
.chart .grid { stroke: #eaeef2; } .chart .tick { font-size: 11px; fill: var(--muted); }
.chart .series { fill: none; stroke-width: 2.5; stroke-linejoin: round; }
.chart .quiet { stroke-width: 1.5; } .chart .retired { fill: none; stroke-width: 2; }
.empty { color: var(--muted); font-style: italic; margin: 12px 0; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th { position: sticky; top: 0; background: #f6f8fa; text-align: left; }
th, td { border-bottom: 1px solid var(--rule); padding: 3px 8px; vertical-align: top; }
td.value { max-width: 320px; overflow-wrap: anywhere; } td.lines { white-space: pre-line; }
td.nowrap { white-space: nowrap; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"""
