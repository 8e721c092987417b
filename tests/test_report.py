"""``modelsync report``: one self-contained HTML page, checked in a real headless Chromium."""

from __future__ import annotations

import base64
import json
import math
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from flows.report.charts import PALETTE, QUIET, TimeAxis
from tests.conftest import DEMO, KIMI_AT, KIMI_FILE, KIMI_URL, synthetic_endpoint, synthetic_endpoints

DEEPSEEK_URL = "https://openrouter.ai/api/v1/models/deepseek/deepseek-chat/endpoints"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine notes advise for Chromium as root on a closed network: no sandbox, no background connections.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
FIRST_COLOUR = (0x4E, 0x79, 0xA7)  # the palette's first colour: the first changed series' lines and dots
CHANGED_MODELS = ["meta-llama/llama-4-scout", "moonshotai/kimi-k3", "meta-llama/llama-4-maverick"]  # most first
UNCHANGED_MODELS = [
    "anthropic/claude-opus-4.7-fast", "deepseek/deepseek-v4-flash", "deepseek/deepseek-v4-pro",
    "meta-llama/llama-3.3-70b-instruct", "meta-llama/llama-guard-4-12b", "openai/gpt-oss-120b",
    "openai/gpt-oss-20b", "openai/o3-mini",
]  # fmt: skip
DEMO_DAYS = ["2026-08-02", "08-09", "08-16", "08-23"]  # the demo's time axis: the year on its first tick
RUN = re.compile(r"([MHV])([\d.]+)(?: ([\d.]+))?")  # a step path's commands


@dataclass
class Rendered:
    """What Chromium made of a page: its console, its requests, its charts and a screenshot."""

    console: list[str]
    requests: list[str]
    charts: list[dict[str, Any]]
    screenshot: bytes


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed here (.ci/run installs it: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the browser test needs playwright: uv sync --group browser (.ci/run syncs every group)")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def rendered(chromium: Any, page_file: Path, tmp_path: Path) -> Rendered:
    """Open ``page_file`` in a fresh context on a laptop-sized window, as a person would from disk."""
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, offline=True)
    page = context.new_page()
    console: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.resolve().as_uri(), wait_until="load")
    charts = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].map(svg => ({
        title: svg.getAttribute('aria-label'),
        drawn: [...svg.querySelectorAll('.series, .point, .retired')]
            .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 || r.height > 0; }).length,
        width: svg.getBoundingClientRect().width,
    }))""")
    screenshot = page.screenshot(path=str(tmp_path / f"{page_file.stem}.png"), full_page=True)
    context.close()
    return Rendered(console, requests, charts, screenshot)


def screenshot_pixels(chromium: Any, png: bytes, colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """The screenshot's width, height and how many of its pixels are ``colour`` (decoded by the browser)."""
    page = chromium.new_page()
    try:
        return tuple(page.evaluate(
            """async ([url, [r, g, b]]) => {
                const img = new Image(); img.src = url; await img.decode();
                const canvas = document.createElement('canvas'); canvas.width = img.width; canvas.height = img.height;
                const context = canvas.getContext('2d'); context.drawImage(img, 0, 0);
                const data = context.getImageData(0, 0, img.width, img.height).data;
                let n = 0;
                for (let i = 0; i < data.length; i += 4) {
                    if (data[i] === r && data[i + 1] === g && data[i + 2] === b) n++;
                }
                return [img.width, img.height, n];
            }""",
            [f"data:image/png;base64,{base64.b64encode(png).decode()}", list(colour)],
        ))  # fmt: skip
    finally:
        page.close()


@pytest.fixture
def demo_warehouse(warehouse: Path, run_cli) -> Path:  # type: ignore[no-untyped-def]
    """The warehouse with every demo capture imported (all five sources, six dates)."""
    result = run_cli("import", "--manifest", str(DEMO / "manifest.jsonl"))
    assert result.code in (0, 3), result.err
    return warehouse


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def section_titles(page: BeautifulSoup) -> list[str]:
    return [h.get_text() for h in page.select("section.model h2")]


@pytest.fixture
def demo_page(demo_warehouse: Path, run_cli, tmp_path: Path) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    """The report of the whole demo, parsed."""
    out = tmp_path / "demo.html"
    result = run_cli("report", "--out", str(out))
    assert result.code == 0, result.err
    return soup(out)


def charted_figures(page: BeautifulSoup) -> list[Tag]:
    """The figures of the model sections that draw a chart (not the sentence saying there is nothing to draw)."""
    return [f for f in page.select("section.model figure") if f.select_one("svg.chart")]


def figure(page: BeautifulSoup, model_id: str, caption: str) -> Tag:
    section = next(s for s in page.select("section.model") if s.h2.get_text() == model_id)
    return next(f for f in section.select("figure") if f.figcaption.get_text() == caption)


def value_ticks(chart: Tag) -> list[str]:
    return [t.get_text() for t in chart.select('text.tick[text-anchor="end"]')]


def time_ticks(chart: Tag) -> list[str]:
    return [t.get_text() for t in chart.select('text.tick[text-anchor="middle"]')]


def tokens(label: str) -> float:
    """A token count as an axis writes it (``8.192k``, ``1.049M``)."""
    return float(label.rstrip("kM")) * {"k": 1e3, "M": 1e6}.get(label[-1], 1)


def levels(d: str) -> list[tuple[float, float]]:
    """The horizontal runs of a step path: the x where each ends and its y."""
    runs, y = [], math.nan
    for command, a, b in RUN.findall(d):
        if command == "H":
            runs.append((float(a), y))
        else:
            y = float(b if command == "M" else a)
    return runs


def test_report_on_the_demo_opens_offline_in_chromium_with_every_chart_drawn(
    demo_warehouse: Path, run_cli, tmp_path: Path, chromium: Any
) -> None:
    out = tmp_path / "report.html"
    result = run_cli("report", "--out", str(out))

    assert result.code == 0, result.err
    assert f"-> {out}" in result.out
    shown = rendered(chromium, out, tmp_path)
    assert shown.console == []  # no errors, no warnings, no blocked loads
    assert shown.requests == [out.resolve().as_uri()]  # the page alone: nothing else fetched
    page = soup(out)
    assert section_titles(page) == CHANGED_MODELS  # the unchanged are table rows, without charts
    # five figures a model; Kimi has no benchmark scores to chart
    assert len(shown.charts) == len(charted_figures(page)) == 14
    assert [c["title"] for c in shown.charts if not c["drawn"]] == []  # every chart has drawn lines or dots
    assert min(c["width"] for c in shown.charts) > 400  # two charts abreast on a laptop, neither squeezed
    width, height, first_colour = screenshot_pixels(chromium, shown.screenshot, FIRST_COLOUR)
    assert (width, height > 5_000) == (1366, True)
    assert first_colour > 1_000  # the charts were painted, not only laid out
    assert page.select_one("#changes tbody tr") is not None
    sources = [[td.get_text() for td in tr.select("td")] for tr in page.select("header details tbody tr")]
    # newest data: the manifest's (a registered source the demo has no captures of reads "never")
    assert [(row[0], row[1][:7], row[2], row[4]) for row in sources if row[1] != "never"] == [
        ("artificial_analysis", "import-", "ok", "2026-08-25 10:26"),
        ("catalog", "import-", "ok", "2026-08-01 02:00"),
        ("litellm", "import-", "ok", "2026-08-23 02:00"),
        ("models_dev", "import-", "ok", "2026-08-25 10:26"),
        ("openrouter", "import-", "ok", "2026-08-27 02:00"),
    ]
    conflicts = [tuple(td.get_text() for td in tr.select("td")[:2]) for tr in page.select("#conflicts tbody tr")]
    assert conflicts == [
        ("meta-llama/llama-3.3-70b-instruct", "release_date"), ("meta-llama/llama-4-maverick", "knowledge_cutoff"),
        ("meta-llama/llama-4-maverick", "release_date"), ("meta-llama/llama-4-scout", "context_window"),
        ("meta-llama/llama-4-scout", "knowledge_cutoff"), ("meta-llama/llama-4-scout", "open_weights"),
        ("meta-llama/llama-4-scout", "release_date"),
        ("openai/gpt-oss-120b", "open_weights"), ("openai/gpt-oss-20b", "open_weights"),
        ("openai/o3-mini", "input_modalities"), ("openai/o3-mini", "knowledge_cutoff"),
        ("openai/o3-mini", "release_date"),
    ]  # fmt: skip


def test_report_on_the_demo_charts_the_changed_models_and_lists_the_unchanged_in_one_table(
    demo_page: BeautifulSoup,
) -> None:
    assert section_titles(demo_page) == CHANGED_MODELS
    assert [s["id"] for s in demo_page.select("section.model")] == ["model-0", "model-1", "model-2"]
    unchanged = demo_page.select_one("section#unchanged")
    assert unchanged.h2.get_text() == "Unchanged in this period"
    assert unchanged.select("svg") == []
    assert [th.get_text() for th in unchanged.select("thead th")] == [
        "Model", "Name", "Endpoints", "Max output", "Input $/M", "Output $/M",
    ]  # fmt: skip
    rows = [[td.get_text() for td in tr.select("td")] for tr in unchanged.select("tbody tr")]
    assert [row[0] for row in rows] == UNCHANGED_MODELS
    assert rows[0] == ["anthropic/claude-opus-4.7-fast", "Claude Opus 4.7 (Fast)", "1", "128k", "$30", "$150"]
    assert rows[5] == ["openai/gpt-oss-120b", "GPT OSS 120B", "5", "16.38k-131.1k", "$0.03-$0.35", "$0.15-$0.75"]
    assert [(a.get_text(), a["href"]) for a in demo_page.select("nav li a")] == [
        *((model_id, f"#model-{n}") for n, model_id in enumerate(CHANGED_MODELS)),
        *((model_id, "#unchanged") for model_id in UNCHANGED_MODELS),
    ]


def test_report_on_the_demo_gives_each_chart_its_own_legend_changed_in_colour_unchanged_in_grey(
    demo_page: BeautifulSoup,
) -> None:
    charted = charted_figures(demo_page)
    assert demo_page.select("section.model > .legend") == []  # no model-wide legend
    assert len(demo_page.select("ul.legend")) == len(charted) == 14
    for fig in charted:
        caption = fig.figcaption.get_text()
        legend = fig.select_one("figure > ul.legend")
        changed = {li.get_text(): li.line["stroke"] for li in legend.select("li.changed")}
        colours = list(changed.values())
        assert len(set(colours)) == len(colours), caption  # no colour twice in one chart
        assert colours == list(PALETTE[: len(colours)]), caption  # the palette in order, chart by chart
        still = legend.select("li.unchanged")
        assert len(still) <= 1, caption
        assert [li.line["stroke"] for li in still] == [QUIET] * len(still), caption
        quiet_labels = still[0].get_text().removeprefix("unchanged: ").split(", ") if still else []
        assert not still or still[0].get_text().startswith("unchanged: "), caption
        if caption.startswith("Uptime"):
            assert (still, len(changed) > 0) == ([], True)  # measurements: every series counts as changed
        paths = fig.select("svg.chart path.series")
        quiet = ["quiet" in p["class"] for p in paths]
        assert quiet == sorted(quiet, reverse=True), caption  # the grey drawn first, the coloured on top
        assert {p.title.get_text(): p["stroke"] for p in paths if "quiet" not in p["class"]} == changed, caption
        assert {p["stroke"] for p in paths if "quiet" in p["class"]} <= {QUIET}, caption
        assert {p.title.get_text() for p in paths if "quiet" in p["class"]} <= set(quiet_labels), caption
    max_output = figure(demo_page, "meta-llama/llama-4-scout", "Max output (tokens)")
    assert [(li.get_text(), li.line["stroke"]) for li in max_output.select(".legend li.changed")] == [
        ("Deep Infra · deepinfra · models_dev", PALETTE[0]),
        ("Google Vertex · google-vertex/us-east5 · openrouter", PALETTE[1]),
        ("NovitaAI · novita/bf16 · openrouter", PALETTE[2]),
    ]
    assert (
        max_output.select_one(".legend li.unchanged")
        .get_text()
        .startswith(
            "unchanged: Cloudflare Workers AI · cloudflare-workers-ai · models_dev, DeepInfra · deepinfra · catalog, "
        )
    )


def test_report_on_the_demo_draws_max_output_on_an_axis_of_powers_of_two(demo_page: BeautifulSoup) -> None:
    scout = value_ticks(figure(demo_page, "meta-llama/llama-4-scout", "Max output (tokens)").svg)
    maverick = value_ticks(figure(demo_page, "meta-llama/llama-4-maverick", "Max output (tokens)").svg)

    assert scout == ["8.192k", "16.38k", "32.77k", "65.54k", "131.1k"]  # 8,192 up to 131,072
    assert maverick == ["8.192k", "32.77k", "131.1k", "524.3k"]
    for ticks in (scout, maverick):
        powers = [math.log2(tokens(label)) for label in ticks]
        assert [round(p, 2) for p in powers] == [round(p) for p in powers]
        assert len({round(b - a) for a, b in pairwise(powers)}) == 1  # evenly stepped


def test_report_on_the_demo_crosses_a_retired_endpoint_out_at_its_last_value(demo_page: BeautifulSoup) -> None:
    crossed = []
    for cross in demo_page.select("path.retired"):
        chart = cross.find_parent("svg")
        label = cross.title.get_text().split("\n")[0]
        left, top = (float(v) for v in cross["d"].split(" l")[0].removeprefix("M").split())
        x, y = left + 4, top + 4  # the cross's centre
        line = next(p for p in chart.select("path.series") if p.title.get_text() == label)
        level = [run_y for run_x, run_y in levels(line["d"]) if run_x <= x + 0.05][-1]
        dots = [float(c["cy"]) for c in chart.select("circle.point")
                if c.title.get_text().startswith(f"{label}\n") and float(c["cx"]) < x]  # fmt: skip
        assert y == pytest.approx(level, abs=0.11), label  # where its line ends
        assert y == pytest.approx(dots[-1], abs=0.11), label  # at its last dot's height
        assert top != pytest.approx(14, abs=1), label  # not at the chart's top edge
        crossed.append((chart["aria-label"], label, cross.title.get_text().split("\n")[1]))
    assert crossed == [
        (caption, "Alibaba · alibaba · openrouter", "2026-08-26 02:00: retired")
        for caption in ("Max output (tokens)", "Input price ($ per M tokens)", "Output price ($ per M tokens)")
    ]


def test_report_on_the_demo_dates_the_first_time_tick_of_every_chart_with_its_year(
    demo_page: BeautifulSoup,
) -> None:
    charts = demo_page.select("svg.chart")

    assert len(charts) == 14
    assert [time_ticks(chart) for chart in charts] == [DEMO_DAYS] * len(charts)
    assert all(re.match(r"\d{4}-", time_ticks(chart)[0]) for chart in charts)


def test_report_of_one_day_of_data_draws_its_points_on_a_day_wide_axis(
    warehouse: Path, run_cli, tmp_path: Path, chromium: Any
) -> None:
    assert run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT).code == 0
    later = json.loads(KIMI_FILE.read_bytes())  # three hours later Alibaba cuts its input price
    alibaba = next(e for e in later["data"]["endpoints"] if e["tag"] == "alibaba")
    alibaba["pricing"]["prompt"] = "0.000003"
    (tmp_path / "kimi-later.json").write_text(json.dumps(later))
    assert run_cli("import", str(tmp_path / "kimi-later.json"), "--url", KIMI_URL,
                   "--fetched-at", "2026-08-25T13:30:01Z").code == 0  # fmt: skip
    out = tmp_path / "one-day.html"

    assert run_cli("report", "--out", str(out)).code == 0
    shown = rendered(chromium, out, tmp_path)
    assert shown.console == []
    assert [(c["title"], c["drawn"] > 0) for c in shown.charts] == [
        ("Uptime, daily (%)", True), ("Max output (tokens)", True), ("Input price ($ per M tokens)", True),
        ("Output price ($ per M tokens)", True),
    ]  # fmt: skip
    page = soup(out)
    assert "From 2026-08-25 10:26 to 2026-08-25 13:30 UTC." in page.header.get_text()
    assert time_ticks(page.select_one("svg.chart")) == ["2026-08-25 00:00", "08-25 06:00", "08-25 12:00",
                                                         "08-25 18:00"]  # fmt: skip
    assert page.select_one("figure p.empty").get_text() == "No benchmark scores."


def test_report_of_one_snapshot_lists_its_model_as_unchanged_without_charts(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    assert run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT).code == 0
    out = tmp_path / "one-snapshot.html"

    assert run_cli("report", "--out", str(out)).code == 0
    page = soup(out)
    assert "One snapshot, 2026-08-25 10:26 UTC." in page.header.get_text()
    assert (page.select("section.model"), page.select("svg.chart")) == ([], [])
    assert [(a.get_text(), a["href"]) for a in page.select("nav li a")] == [("moonshotai/kimi-k3", "#unchanged")]
    assert [[td.get_text() for td in tr.select("td")] for tr in page.select("#unchanged tbody tr")] == [
        ["moonshotai/kimi-k3", "", "4", "1.049M", "$3-$6", "$15-$22.5"],  # an endpoints page names no model
    ]
    assert page.select_one("#changes p.empty").get_text() == "No changes in this period."


def test_report_escapes_upstream_text_and_runs_no_script(
    warehouse: Path, run_cli, tmp_path: Path, chromium: Any
) -> None:
    hostile = "<script>console.error('injected')</script><img src=x onerror=\"console.error('img')\">"
    url = "https://openrouter.ai/api/v1/models/synthetic/hostile/endpoints"
    for day, prompt in (("2026-08-01", "0.0000001"), ("2026-08-02", "0.0000002")):  # a change: a chart, a legend
        body = synthetic_endpoints("synthetic/hostile", [synthetic_endpoint("hostile", hostile, prompt=prompt)])
        (tmp_path / f"synthetic_hostile__{day}.json").write_bytes(body)
        assert run_cli("import", str(tmp_path / f"synthetic_hostile__{day}.json"), "--url", url,
                       "--fetched-at", f"{day}T02:00:00Z").code == 0  # fmt: skip
    out = tmp_path / "hostile.html"

    assert run_cli("report", "--out", str(out)).code == 0
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "<img" not in html
    page = soup(out)
    assert hostile in page.select_one(".legend li.changed").get_text()  # shown as text, as it came
    assert hostile in page.select_one("#changes tbody").get_text()
    shown = rendered(chromium, out, tmp_path)
    assert (shown.console, shown.requests) == ([], [out.resolve().as_uri()])


def test_report_filters_by_model_and_provider(demo_warehouse: Path, run_cli, tmp_path: Path) -> None:
    out = tmp_path / "kimi.html"

    result = run_cli("report", "--model", "KIMI", "--provider", "fireworks", "--out", str(out))

    assert result.code == 0, result.err
    page = soup(out)
    assert section_titles(page) == ["moonshotai/kimi-k3"]
    fireworks = ["Fireworks · fireworks · openrouter", "Fireworks · fireworks/fast · openrouter"]
    unchanged = f"unchanged: {', '.join(fireworks)}"
    legends = [(f.figcaption.get_text(), [li.get_text() for li in f.select(".legend li")])
               for f in page.select("figure")]  # fmt: skip
    assert legends == [
        ("Uptime, daily (%)", fireworks),  # measured: every series in colour
        ("Max output (tokens)", []),  # neither states one: no chart
        ("Input price ($ per M tokens)", [unchanged]),
        ("Output price ($ per M tokens)", [unchanged]),
        ("Benchmark scores (0-100)", []),
    ]
    changes = [[td.get_text() for td in tr.select("td")] for tr in page.select("#changes tbody tr")]
    assert [(*row[:5], row[7]) for row in changes] == [
        ("2026-08-27 02:00", "moonshotai/kimi-k3", "Fireworks", "fireworks/fast", "supported_params", "openrouter"),
    ]  # Alibaba's price cuts and retirement are left out: another provider
    assert set(changes[0][6].split(",")) - set(changes[0][5].split(",")) == {"tool_choice", "tools"}


def test_report_shows_the_most_changed_models_first_up_to_max_models(
    demo_warehouse: Path, run_cli, tmp_path: Path
) -> None:
    out = tmp_path / "top.html"

    assert run_cli("report", "--max-models", "2", "--since", "2026-08-20", "--out", str(out)).code == 0
    page = soup(out)
    assert section_titles(page) == ["meta-llama/llama-4-scout", "moonshotai/kimi-k3"]
    assert "Showing the 2 most changed of 11 matching models." in page.select_one(".note").get_text()
    assert "From 2026-08-20 00:00 to 2026-08-27 02:00 UTC." in page.header.get_text()


def test_report_matching_nothing_exits_1_and_leaves_the_old_report(
    demo_warehouse: Path, run_cli, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    out.write_text("the old report")

    result = run_cli("report", "--model", "no-such-model", "--out", str(out))

    assert result.code == 1
    assert result.err.strip() == (
        f"modelsync: report: {demo_warehouse}: no model has data in 2026-08-01 02:00..2026-08-27 02:00 UTC"
        " with --model no-such-model"
    )
    assert out.read_text() == "the old report"
    assert list(tmp_path.glob(".*partial")) == []


def test_report_since_after_the_newest_data_exits_1_saying_when_that_was(
    demo_warehouse: Path, run_cli, tmp_path: Path
) -> None:
    result = run_cli("report", "--since", "2027-01-01", "--out", str(tmp_path / "r.html"))

    assert (result.code, result.err.strip()) == (
        1,
        f"modelsync: report: {demo_warehouse}: its newest data is from 2026-08-27 02:00 UTC, before --since"
        " 2027-01-01 00:00",
    )


def test_report_without_a_warehouse_says_how_to_make_one(warehouse: Path, run_cli, tmp_path: Path) -> None:
    result = run_cli("report", "--out", str(tmp_path / "r.html"))

    assert (result.code, result.err.strip()) == (
        1,
        f"modelsync: no warehouse at {warehouse}: run 'modelsync sync' or 'modelsync demo' first",
    )
    assert list(tmp_path.glob("*.html")) == []


def test_time_axis_ticks_hours_for_a_day_days_for_a_month_months_for_a_year() -> None:
    def labels(start: str, end: str) -> list[str]:
        axis = TimeAxis.covering(datetime.fromisoformat(start).replace(tzinfo=UTC),
                                 datetime.fromisoformat(end).replace(tzinfo=UTC))  # fmt: skip
        return [label for _, label in axis.ticks()]

    assert labels("2026-08-25T10:26", "2026-08-25T10:26") == ["2026-08-25 00:00", "08-25 06:00", "08-25 12:00",
                                                               "08-25 18:00"]  # fmt: skip
    assert labels("2026-08-01T02:00", "2026-08-27T02:00") == ["2026-08-02", "08-09", "08-16", "08-23"]
    assert labels("2026-01-01", "2026-12-31") == ["2026-01", "2026-03", "2026-05", "2026-07", "2026-09", "2026-11"]
    assert labels("2024-03-15", "2026-12-01") == ["2024-07", "2025-01", "2025-07", "2026-01", "2026-07"]


def test_time_axis_labels_carry_the_year_on_the_first_tick_and_where_the_year_turns() -> None:
    def labels(start: str, end: str) -> list[str]:
        axis = TimeAxis.covering(datetime.fromisoformat(start).replace(tzinfo=UTC),
                                 datetime.fromisoformat(end).replace(tzinfo=UTC))  # fmt: skip
        return [label for _, label in axis.ticks()]

    assert labels("2026-12-31T12:00", "2027-01-01T12:00") == [
        "2026-12-31 12:00", "12-31 18:00", "2027-01-01 00:00", "01-01 06:00", "01-01 12:00",
    ]  # fmt: skip
    assert labels("2026-12-20", "2027-01-10") == ["2026-12-20", "12-27", "2027-01-03", "01-10"]
    assert labels("2026-11-01", "2027-06-01") == ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04",
                                                  "2027-05", "2027-06"]  # fmt: skip  # months: always the year


def test_report_shows_prices_to_their_last_digit_in_the_change_log_and_tooltips(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    lines = []
    for day, prompt in (("2025-08-04", "0.00000027"), ("2025-08-05", "0.00000017992692")):  # a real price of 08-05
        path = tmp_path / f"synthetic_endpoints__{day}.json"
        endpoint = synthetic_endpoint("deepinfra", "DeepInfra", prompt=prompt)
        path.write_bytes(synthetic_endpoints("deepseek/deepseek-chat", [endpoint]))
        lines.append(f'{{"path": "{path}", "url": "{DEEPSEEK_URL}", "fetched_at": "{day}T02:00:00Z"}}\n')
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(lines))
    assert run_cli("import", "--manifest", str(manifest)).code == 0
    out = tmp_path / "prices.html"

    assert run_cli("report", "--out", str(out)).code == 0

    page = soup(out)
    log = next(t for t in page.select("table") if t.th.get_text() == "When (UTC)")
    change = [td.get_text() for td in log.select("tr")[1].select("td")]
    assert change[4:7] == ["input_price_per_mtok", "0.270000", "0.17992692"]
    input_chart = next(f for f in page.select("figure") if "Input price" in f.figcaption.get_text())
    tips = [t.get_text().split("\n")[-1] for t in input_chart.select("circle title")]
    assert tips == ["2025-08-04 02:00: $0.27", "2025-08-05 02:00: $0.17992692"]
