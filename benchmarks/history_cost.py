"""Cost grows with the change, not the history: one night's load into 10 vs 365 nights of history.

Builds two warehouses holding 10 and 365 nightly snapshots of 1,000 models and 5,000
endpoints (night 0 loaded through the real pipeline, later nights replicated in SQL,
as unchanged nights are), then times loading the next night (1% of endpoints changed)
into copies of each: the load step (``history.load_batch``: observations, snapshots,
derivation, invariants, one transaction). Prints both medians and their ratio (goal <= 1.5).

    uv run python benchmarks/history_cost.py [--models 1000] [--per-model 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows import pipeline
from flows.settings import settings_from_env
from warehouse import db, history
from warehouse.archive import ArchivedPayload, sha256_hex

NIGHT0 = datetime(2025, 1, 1, 2, tzinfo=UTC)
MODELS_URL = "https://openrouter.ai/api/v1/models"


def night_payloads(models: int, per_model: int, night: int) -> list[tuple[str, bytes]]:
    """The model list and every model's endpoints page for one night; from night 1 on, 1% changed."""
    ids = [f"synthetic/model-{m:05d}" for m in range(models)]
    listing = [{"id": i, "name": f"Synthetic: {i}", "context_length": 131072, "pricing": {"prompt": "0.0000001",
                "completion": "0.0000003"}} for i in ids]  # fmt: skip
    payloads = [(MODELS_URL, json.dumps({"data": listing}).encode())]
    for m, model_id in enumerate(ids):
        endpoints = []
        for e in range(per_model):
            changed = night > 0 and (m * per_model + e) % 100 == night % 100
            endpoints.append({
                "tag": f"provider-{e}", "provider_name": f"Provider {e}", "context_length": 131072,
                "pricing": {"prompt": "0.0000001", "completion": "0.0000003"}, "quantization": "fp8",
                "max_completion_tokens": 4096 if changed else 8192, "supported_parameters": ["max_tokens", "tools"],
                "status": 0, "uptime_last_1d": 99.0, "supports_implicit_caching": False,
            })  # fmt: skip
        body = json.dumps({"data": {"id": model_id, "endpoints": endpoints}}).encode()
        payloads.append((f"https://openrouter.ai/api/v1/models/{model_id}/endpoints", body))
    return payloads


def parsed_night(settings, night: int, models: int, per_model: int, recorded_at: datetime):  # type: ignore[no-untyped-def]
    fetched_at = NIGHT0 + timedelta(days=night)
    items = night_payloads(models, per_model, night)
    payloads = [ArchivedPayload("openrouter", url, fetched_at, 200, sha256_hex(b), len(b)) for url, b in items]
    run = pipeline.new_run("import", ["openrouter"], recorded_at)
    parsed = pipeline.parse_archived(settings, run, payloads, recorded_at, {sha256_hex(b): b for _, b in items})
    return run, parsed


def build_history(path: Path, nights: int, models: int, per_model: int) -> None:
    """Night 0 through the pipeline; nights 1..n-1 as copies of it (unchanged nights) in SQL."""
    settings = settings_from_env({"MODELSYNC_WAREHOUSE": str(path)})
    con = db.open_for_write(path, NIGHT0)
    run, parsed = parsed_night(settings, 0, models, per_model, NIGHT0)
    history.record_run_start(con, run)
    history.load_batch(con, parsed.batch)
    for table, column in (("payloads", "fetched_at"), ("snapshots", "observed_at"),
                          ("endpoint_observations", "observed_at"), ("model_observations", "observed_at"),
                          ("uptime_measurements", "observed_at")):  # fmt: skip
        con.execute(
            f"INSERT INTO {table} SELECT t.* REPLACE (t.{column} + to_days(CAST(n.range AS INTEGER)) AS {column})"
            f" FROM {table} t CROSS JOIN range(1, {nights}) n"
        )
    con.execute("CHECKPOINT")
    con.close()


def time_next_night(template: Path, nights: int, models: int, per_model: int, repeat: int) -> float:
    """Median seconds of loading night ``nights`` into copies of ``template``."""
    settings = settings_from_env({"MODELSYNC_WAREHOUSE": str(template)})
    recorded_at = NIGHT0 + timedelta(days=nights, hours=1)
    run, parsed = parsed_night(settings, nights, models, per_model, recorded_at)
    times = []
    for n in range(repeat):
        copy = template.with_name(f"{template.stem}-{n}.duckdb")
        shutil.copy(template, copy)
        con = db.open_for_write(copy, recorded_at)
        history.record_run_start(con, run)
        started = time.perf_counter()
        history.load_batch(con, parsed.batch)
        times.append(time.perf_counter() - started)
        con.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--per-model", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.models:,} models, {args.models * args.per_model:,} endpoints; next night 1% changed")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for nights in (10, 365):
            path = Path(tmp) / f"history-{nights}.duckdb"
            started = time.perf_counter()
            build_history(path, nights, args.models, args.per_model)
            built = time.perf_counter() - started
            results[nights] = time_next_night(path, nights, args.models, args.per_model, args.repeat)
            print(f"{nights:>3} nights of history (built in {built:.1f} s): load of the next night "
                  f"{results[nights]:.3f} s (median of {args.repeat})")  # fmt: skip
    print(f"ratio 365 / 10 nights: {results[365] / results[10]:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
