"""Property: any load order, any duplicates, any batching of the same snapshots give the same history.

Snapshots are generated (hypothesis): model lists and endpoints pages over a few days,
with changed values (some implausible: held until confirmed where holding is on), re-ordered parameter lists,
expiration dates ahead (a retirement scheduled, restated or withdrawn) and passed, keys that vanish
and return, and listings small enough to be judged incomplete. They are loaded once in date order, one run each,
and once shuffled, duplicated and batched at random; the derived
tables must match row for row (``recorded_at`` aside: it is when a row was learned),
volatile columns included, also when one URL answered two bodies at one instant that
differ only in a volatile field (a tie broken by content, never by load order).

CI runs the order property on 200 generated cases (hypothesis profile ``ci``, chosen
in conftest when ``CI`` is set); a local run tries 30.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generator import Market
from flows import pipeline
from flows.settings import settings_from_env
from tests.conftest import synthetic_endpoint, synthetic_endpoints, synthetic_models
from warehouse import db, history
from warehouse.archive import ArchivedPayload, sha256_hex

DAY0 = datetime(2026, 8, 1, 2, tzinfo=UTC)
MODELS = ("synthetic/a", "synthetic/b")
TAGS = ("groq", "deepinfra/fp8", "novita", "together")
PARAMS = ["max_tokens", "temperature", "tools", "top_p"]

endpoint_values = st.fixed_dictionaries({
    "max_out": st.sampled_from([4096, 8192, 1024, None]),  # 1024 after 8192 or 4096: a suspect shrink
    "prompt": st.sampled_from(["0.0000001", "0.00000010", "0.0000002", "0.00001"]),  # one price twice; a 100x jump
    "params": st.permutations(PARAMS),
})  # fmt: skip


@st.composite
def snapshot(draw: st.DrawFn, day: int) -> list[tuple[str, bytes]]:
    """One day's payloads: maybe a model list, and an endpoints page for some models."""
    payloads = []
    if draw(st.booleans()):
        listed = draw(st.lists(st.sampled_from(MODELS), unique=True, min_size=0, max_size=2))
        document = json.loads(synthetic_models(sorted(listed)))
        for model in document["data"]:  # a volatile field, and a versioned one, varying by day
            model["description"] = draw(st.sampled_from(["d1", "d2", "d3"]))
            model["context_length"] = draw(st.sampled_from([1000, 2000]))
            # no date, a date ahead (a scheduled retirement, maybe restated or withdrawn), or one passed
            expires = draw(st.sampled_from([None, None, 1, 2, -1]))
            model["expiration_date"] = None if expires is None else str((DAY0 + timedelta(days=day + expires)).date())
        payloads.append(("https://openrouter.ai/api/v1/models", json.dumps(document).encode()))
        if document["data"] and draw(st.booleans()):  # fetched again at the same instant: only a volatile differs
            for model in document["data"]:
                model["description"] += " (again)"
            payloads.append(("https://openrouter.ai/api/v1/models", json.dumps(document).encode()))
    for model in draw(st.lists(st.sampled_from(MODELS), unique=True, min_size=1, max_size=2)):
        endpoints = []
        for tag in draw(st.lists(st.sampled_from(TAGS), unique=True, min_size=0, max_size=4)):
            values = draw(endpoint_values)
            endpoint = synthetic_endpoint(tag, tag.split("/")[0].title(), values["max_out"], values["prompt"])
            endpoint["supported_parameters"] = values["params"]
            endpoint["uptime_last_1d"] = 99.0 - day
            endpoints.append(endpoint)
        payloads.append(
            (f"https://openrouter.ai/api/v1/models/{model}/endpoints", synthetic_endpoints(model, endpoints))
        )
    return payloads


@st.composite
def load_plans(draw: st.DrawFn) -> tuple[list[list[tuple[int, str, bytes]]], list[list[tuple[int, str, bytes]]]]:
    """The same snapshots as (in date order, one run a day) and (shuffled, duplicated, batched at random)."""
    days = draw(st.integers(min_value=1, max_value=5))
    snapshots = [[(day, url, body) for url, body in draw(snapshot(day))] for day in range(days)]
    in_order = snapshots
    units = [payload for day in snapshots for payload in day]
    shuffled = draw(st.permutations(units))
    duplicated = shuffled + draw(st.lists(st.sampled_from(units), max_size=3)) if units else []
    batches: list[list[tuple[int, str, bytes]]] = []
    for payload in duplicated:
        if batches and draw(st.booleans()):
            batches[-1].append(payload)
        else:
            batches.append([payload])
    return in_order, batches


def derived_tables(
    plan: list[list[tuple[int, str, bytes]]],
    con: duckdb.DuckDBPyConnection | None = None,
    retire_after: str = "0",
    holding: bool = False,
) -> dict[str, list[tuple[object, ...]]]:
    """Load each batch of the plan as one run into a fresh in-memory warehouse; return its derived tables."""
    settings = settings_from_env({"MODELSYNC_WAREHOUSE": ":memory:", "MODELSYNC_RAW_DIR": "/nonexistent",
                                  "MODELSYNC_RETIRE_AFTER": retire_after,
                                  "MODELSYNC_SUSPECT_PRICE_FACTOR": "10" if holding else "0",
                                  "MODELSYNC_SUSPECT_LIMIT_SHRINK": "0.5" if holding else "0"})  # fmt: skip
    con = con or duckdb.connect()
    db.apply_migrations(con, DAY0)
    try:
        for n, batch in enumerate(plan):
            now = DAY0 + timedelta(days=30, minutes=n)
            run = pipeline.new_run("import", ["openrouter"], now)
            history.record_run_start(con, run)
            payloads = [
                ArchivedPayload("openrouter", url, DAY0 + timedelta(days=day), 200, sha256_hex(body), len(body))
                for day, url, body in batch
            ]
            bodies = {sha256_hex(body): body for _, _, body in batch}
            parsed = pipeline.parse_archived(settings, run, payloads, now, bodies)
            history.load_batch(con, parsed.batch)
        current = "SELECT * EXCLUDE (recorded_at, superseded_at) FROM {} WHERE superseded_at IS NULL ORDER BY ALL"
        tables = {
            table: con.execute(current.format(table)).fetchall() for table in ("endpoint_versions", "model_versions")
        }
        tables["snapshots"] = con.execute(
            "SELECT entity, scope, observed_at, complete, reason FROM snapshots ORDER BY ALL"
        ).fetchall()
        tables["uptime"] = con.execute(
            "SELECT * EXCLUDE (recorded_at, run_id) FROM uptime_measurements ORDER BY ALL"
        ).fetchall()
        tables["suspect_runs"] = con.execute("SELECT * EXCLUDE (recorded_at) FROM suspect_runs ORDER BY ALL").fetchall()
        for table in ("endpoint_attributes", "model_attributes", "uptime_days"):
            tables[table] = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    except BaseException:
        con.close()
        raise
    return tables


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plans=load_plans())
def test_any_order_duplicates_and_batching_give_identical_history(
    plans: tuple[list[list[tuple[int, str, bytes]]], list[list[tuple[int, str, bytes]]]],
) -> None:
    in_order, shuffled = plans

    assert derived_tables(shuffled) == derived_tables(in_order)


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plans=load_plans())
def test_with_suspect_changes_held_any_order_gives_identical_history(
    plans: tuple[list[list[tuple[int, str, bytes]]], list[list[tuple[int, str, bytes]]]],
) -> None:
    in_order, shuffled = plans  # a 100x price or a shrunk limit waits for a later fetch

    assert derived_tables(shuffled, holding=True) == derived_tables(in_order, holding=True)


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plans=load_plans())
def test_with_a_grace_before_retiring_and_holding_any_order_gives_identical_history(
    plans: tuple[list[list[tuple[int, str, bytes]]], list[list[tuple[int, str, bytes]]]],
) -> None:
    in_order, shuffled = plans  # snapshots a day apart: a key must stay absent two listings to be retired

    assert derived_tables(shuffled, retire_after="1d", holding=True) == derived_tables(
        in_order, retire_after="1d", holding=True
    )


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plans=load_plans())
def test_derived_history_always_keeps_its_invariants(
    plans: tuple[list[list[tuple[int, str, bytes]]], list[list[tuple[int, str, bytes]]]],
) -> None:
    con = duckdb.connect()
    derived_tables(plans[1], con)

    assert history.invariant_violations(con) == []


def test_ten_thousand_keys_in_any_order_give_identical_history() -> None:
    market = Market(2000, 5)  # 10,000 endpoints; about 1% change a day, a few come and go
    days: list[list[tuple[int, str, bytes]]] = []
    for day in range(3):
        if day:
            market.advance()
        days.append([(day, url, body) for url, body in market.openrouter_payloads()])
    in_order = days
    # the last day first, the first day twice, the middle day split in two runs
    shuffled = [days[2], days[0], days[1][::2], days[1][1::2], days[0]]

    assert derived_tables(shuffled, holding=True) == derived_tables(in_order, holding=True)
