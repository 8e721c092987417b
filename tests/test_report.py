"""``modelsync report``: one self-contained HTML page, checked in a real headless Chromium."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from flows.report.charts import TimeAxis
from tests.conftest import DEMO, KIMI_AT, KIMI_FILE, KIMI_URL, synthetic_endpoint, synthetic_endpoints

DEEPSEEK_URL = "https://openrouter.ai/api/v1/models/deepseek/deepseek-chat/endpoints"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine notes advise for Chromium as root on a closed network: no sandbox, no background connections.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
FIRST_COLOUR = (0x4E, 0x79, 0xA7)  # the palette's first colour: the first endpoint's lines and dots


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
    from playwright.sync_api import sync_playwright

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
    """The warehouse with every demo capture imported (all four sources, six dates)."""
    result = run_cli("import", "--manifest", str(DEMO / "manifest.jsonl"))
    assert result.code in (0, 3), result.err
    return warehouse


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def section_titles(page: BeautifulSoup) -> list[str]:
    return [h.get_text() for h in page.select("section.model h2")]


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
    assert section_titles(page) == [  # the most changed first, then by id
        "meta-llama/llama-4-scout", "moonshotai/kimi-k3", "meta-llama/llama-4-maverick",
        "anthropic/claude-opus-4.7-fast", "deepseek/deepseek-v4-flash", "deepseek/deepseek-v4-pro",
        "meta-llama/llama-3.3-70b-instruct", "meta-llama/llama-guard-4-12b", "openai/gpt-oss-120b",
        "openai/gpt-oss-20b", "openai/o3-mini",
    ]  # fmt: skip
    figures = page.select("section.model figure")
    assert len(shown.charts) == len([f for f in figures if f.select_one("svg.chart")]) > 30
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
        ("models_dev", "import-", "ok", "2026-08-25 10:26"),
        ("openrouter", "import-", "ok", "2026-08-27 02:00"),
    ]
    conflicts = [tuple(td.get_text() for td in tr.select("td")[:2]) for tr in page.select("#conflicts tbody tr")]
    assert conflicts == [
        ("meta-llama/llama-3.3-70b-instruct", "release_date"), ("meta-llama/llama-4-maverick", "knowledge_cutoff"),
        ("meta-llama/llama-4-maverick", "release_date"), ("meta-llama/llama-4-scout", "knowledge_cutoff"),
        ("meta-llama/llama-4-scout", "open_weights"), ("meta-llama/llama-4-scout", "release_date"),
        ("openai/gpt-oss-120b", "open_weights"), ("openai/gpt-oss-20b", "open_weights"),
        ("openai/o3-mini", "input_modalities"), ("openai/o3-mini", "knowledge_cutoff"),
        ("openai/o3-mini", "release_date"),
    ]  # fmt: skip


def test_report_of_one_day_of_data_draws_its_points_on_a_day_wide_axis(
    warehouse: Path, run_cli, tmp_path: Path, chromium: Any
) -> None:
    assert run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT).code == 0
    out = tmp_path / "one-day.html"

    assert run_cli("report", "--out", str(out)).code == 0
    shown = rendered(chromium, out, tmp_path)
    assert shown.console == []
    assert [(c["title"], c["drawn"] > 0) for c in shown.charts] == [
        ("Uptime, daily (%)", True), ("Max output (tokens)", True), ("Input price ($ per M tokens)", True),
        ("Output price ($ per M tokens)", True),
    ]  # fmt: skip
    page = soup(out)
    assert "One snapshot, 2026-08-25 10:26 UTC." in page.header.get_text()
    ticks = [t.get_text() for t in page.select_one("svg.chart").select("text.tick") if ":" in t.get_text()]
    assert ticks == ["08-25 00:00", "08-25 06:00", "08-25 12:00", "08-25 18:00"]
    assert page.select_one("figure p.empty").get_text() == "No benchmark scores."


def test_report_escapes_upstream_text_and_runs_no_script(
    warehouse: Path, run_cli, tmp_path: Path, chromium: Any
) -> None:
    hostile = "<script>console.error('injected')</script><img src=x onerror=\"console.error('img')\">"
    body = synthetic_endpoints("synthetic/hostile", [synthetic_endpoint("hostile", hostile)])
    url = "https://openrouter.ai/api/v1/models/synthetic/hostile/endpoints"
    (tmp_path / "synthetic_hostile.json").write_bytes(body)
    assert run_cli("import", str(tmp_path / "synthetic_hostile.json"), "--url", url,
                   "--fetched-at", "2026-08-01T02:00:00Z").code == 0  # fmt: skip
    out = tmp_path / "hostile.html"

    assert run_cli("report", "--out", str(out)).code == 0
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "<img" not in html
    assert hostile in soup(out).select_one(".legend").get_text()  # shown as text, as it came
    shown = rendered(chromium, out, tmp_path)
    assert (shown.console, shown.requests) == ([], [out.resolve().as_uri()])


def test_report_filters_by_model_and_provider(demo_warehouse: Path, run_cli, tmp_path: Path) -> None:
    out = tmp_path / "kimi.html"

    result = run_cli("report", "--model", "KIMI", "--provider", "fireworks", "--out", str(out))

    assert result.code == 0, result.err
    page = soup(out)
    assert section_titles(page) == ["moonshotai/kimi-k3"]
    assert [li.get_text() for li in page.select(".legend li")] == [
        "Fireworks · fireworks · openrouter",
        "Fireworks · fireworks/fast · openrouter",
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

    assert labels("2026-08-25T10:26", "2026-08-25T10:26") == ["08-25 00:00", "08-25 06:00", "08-25 12:00",
                                                               "08-25 18:00"]  # fmt: skip
    assert labels("2026-08-01T02:00", "2026-08-27T02:00") == ["08-02", "08-09", "08-16", "08-23"]
    assert labels("2026-01-01", "2026-12-31") == ["2026-01", "2026-03", "2026-05", "2026-07", "2026-09", "2026-11"]
    assert labels("2024-03-15", "2026-12-01") == ["2024-07", "2025-01", "2025-07", "2026-01", "2026-07"]


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
