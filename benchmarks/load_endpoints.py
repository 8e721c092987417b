"""Load step for N OpenRouter-shaped endpoints, day 1 then day 2 with 1% changed.

Prints seconds per phase (archive, parse, load) of ``import --manifest``-equivalent
runs, and, as a reference measured in the same process, a bare DuckDB insert of the
same day-2 rows. No assertions: figures to compare across commits.

    uv run python benchmarks/load_endpoints.py [--endpoints 20000] [--per-model 4]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb


def synthetic_payloads(models: int, per_model: int, day: int) -> list[tuple[str, bytes]]:
    """One endpoints payload per model; on day 2, 1% of endpoints change max output."""
    payloads = []
    for m in range(models):
        model_id = f"synthetic/model-{m:05d}"
        endpoints = []
        for e in range(per_model):
            changed = day == 2 and (m * per_model + e) % 100 == 0
            endpoints.append(
                {
                    "name": f"P{e} | {model_id}",
                    "context_length": 131072,
                    "pricing": {"prompt": "0.0000001", "completion": "0.0000003", "discount": 0},
                    "provider_name": f"Provider {e}",
                    "tag": f"provider-{e}",
                    "quantization": "fp8",
                    "max_completion_tokens": 4096 if changed else 8192,
                    "max_prompt_tokens": None,
                    "supported_parameters": ["max_tokens", "temperature", "tools", "top_p"],
                    "status": 0,
                    "uptime_last_30m": 99.5,
                    "uptime_last_5m": 100.0,
                    "uptime_last_1d": 99.1 - day / 10,
                    "supports_implicit_caching": False,
                }
            )
        body = json.dumps({"data": {"id": model_id, "name": model_id, "endpoints": endpoints}}).encode()
        payloads.append((f"https://openrouter.ai/api/v1/models/{model_id}/endpoints", body))
    return payloads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=20_000)
    parser.add_argument("--per-model", type=int, default=4)
    args = parser.parse_args()
    models = args.endpoints // args.per_model

    from flows import pipeline
    from flows.settings import settings_from_env

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = settings_from_env({"MODELSYNC_WAREHOUSE": str(root / "bench.duckdb")})
        files_dir = root / "payloads"
        files_dir.mkdir()
        print(f"{models * args.per_model:,} endpoints ({models:,} payloads a day), day 2 with 1% changed")
        for day in (1, 2):
            items = []
            for n, (url, body) in enumerate(synthetic_payloads(models, args.per_model, day)):
                path = files_dir / f"synthetic_{day}_{n}.json"
                path.write_bytes(body)
                items.append((path, url, datetime(2026, 8, day, 2, tzinfo=UTC)))
            now = pipeline.utc_now()
            run = pipeline.new_run("import", ["openrouter"], now)
            pipeline.start_run(settings, run)
            archived = pipeline.archive_files(settings, items)
            parsed = pipeline.parse_archived(settings, run, archived.payloads, now)
            started = time.perf_counter()
            result = pipeline.load_parsed(settings, run, archived, parsed, now)
            load_s = time.perf_counter() - started
            print(
                f"day {day}: archive {archived.archive_s:.2f} s, parse {parsed.parse_s:.2f} s, "
                f"load {load_s:.2f} s ({result.counts.new_versions:,} new versions, {result.status})"
            )
        frame = parsed.batch.observations["endpoint"]
        con = duckdb.connect(str(root / "reference.duckdb"))
        con.register("day2", frame)
        con.execute("CREATE TABLE t AS SELECT * FROM day2 LIMIT 0")
        started = time.perf_counter()
        con.execute("INSERT INTO t SELECT * FROM day2")
        reference_s = time.perf_counter() - started
        con.close()
        print(f"reference: bare DuckDB insert of the day-2 frame {reference_s:.2f} s; load / reference = "
              f"{load_s / reference_s:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
