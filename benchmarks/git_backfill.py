"""A git-scraped history replayed: ``modelsync backfill --git`` of a real bundle.

``litellm`` (default): ``tests/fixtures/git/llm-api-price.bundle`` (RoCry/llm-api-price, 640 versions of
``model_prices_and_context_window.json`` from 2025-02 to 2026-07, 775 to 2,985 entries; goal <= 60 s).
``models-dev``: models.dev's TOML tree, ``--path providers/``, from ``--bundle`` (the whole
anomalyco/models.dev history, 2,473 first-parent commits; goal <= 10 minutes) or by default the
excerpt in ``tests/fixtures/git/models.dev-excerpt.bundle``.
The history is replayed into a fresh warehouse by the command a user types, in a child process;
then the same command again, which must archive and load nothing. Prints both walls, the runs'
parse and load seconds, the warehouse's size and peak RSS, against the goals (resume < 10 s,
warehouse < 1 GB). ``--to`` cuts the history short (the smoke run).

    uv run python benchmarks/git_backfill.py [--history models-dev] [--bundle FILE] [--to 2025-03-01]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

import duckdb
from common import timed_command

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("modelsync"))
HISTORIES = {
    "litellm": ("LiteLLM price map", ROOT / "tests/fixtures/git/llm-api-price.bundle",
                "model_prices_and_context_window.json", 60),
    "models-dev": ("models.dev TOML tree", ROOT / "tests/fixtures/git/models.dev-excerpt.bundle", "providers/", 600),
}  # fmt: skip
"""name -> (what, default bundle, --path, goal in seconds for the whole history)"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", help="only the commits up to this date (default: the whole history)")
    parser.add_argument("--history", choices=sorted(HISTORIES), default="litellm")
    parser.add_argument("--bundle", type=Path, help="another bundle (or clone) of that history")
    args = parser.parse_args()
    what, bundle, path, goal = HISTORIES[args.history]
    bundle = args.bundle or bundle
    with tempfile.TemporaryDirectory(prefix="modelsync-git-") as name:
        warehouse = Path(name) / "modelsync.duckdb"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MODELSYNC_"))}
        env |= {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "MODELSYNC_WAREHOUSE": str(warehouse)}
        command = [CLI, "backfill", "--git", str(bundle), "--path", path, *(["--to", args.to] if args.to else [])]
        whole = timed_command(command, env, ok=(0, 3))  # 3: rows quarantined (real trees hold files that do not parse)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        resume = timed_command(command, env)
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            runs, parse_s, load_s = con.execute("SELECT count(*), sum(parse_s), sum(load_s) FROM runs").fetchone()  # type: ignore[misc]
            payloads = con.execute("SELECT count(*) FROM payloads WHERE origin = 'git'").fetchone()[0]  # type: ignore[index]
        finally:
            con.close()
        size_mb = sum(f.stat().st_size for f in Path(name).rglob("*") if f.is_file()) / 1e6
        print(f"{what} from {bundle.name}: {payloads} payloads loaded in {runs} runs "
              "(consecutive dates share a run up to 32 MB of payloads)")  # fmt: skip
        print(f"  whole history   {whole:7.1f} s wall (runs: parse {parse_s:.1f} s, load {load_s:.1f} s); "
              f"goal <= {goal} s: {'met' if whole <= goal else 'not met'}")  # fmt: skip
        print(f"  resume          {resume:7.1f} s wall (nothing to archive or load); "
              f"goal < 10 s: {'met' if resume < 10 else 'not met'}")  # fmt: skip
        print(f"  warehouse, archive and clone {size_mb:.0f} MB; peak RSS {peak_mb:.0f} MB; "
              f"goal < 1 GB: {'met' if size_mb < 1000 else 'not met'}")  # fmt: skip


if __name__ == "__main__":
    main()
