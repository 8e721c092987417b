"""Start-up: ``modelsync import`` of one small payload as a whole process, against bare imports in the same run.

``modelsync demo`` makes a warehouse once; each run imports one bundled capture (the
OpenRouter model list, 6 KB) into a fresh copy of it, as a user would type it, so every
run archives, parses, validates and loads the payload (a copy that already holds it would
add nothing). Interpreter start and imports count: the goal is the whole process under
1 s. Each command runs in a child process, in turn, ``--repeat`` times; the script
prints medians, against references timed in the same rounds:

- ``python -c pass``: the interpreter alone;
- ``python -c "import pandas, duckdb"``: the two libraries any import must load;
- the floor: pandas, DuckDB, pyarrow and pandera imported and one one-column frame
  validated (pandera registers its backends and built-in checks on its first
  validation), hypothesis hidden from it as modelsync hides it;
- the imports the command needs, without its work;
- ``modelsync sql "select 1"`` on the same warehouse: a command that needs none of them.

The project's own modules are byte-compiled first (``compileall``), as a user's second run
finds them: an editable install is not compiled by ``uv sync --compile-bytecode``, and where
``PYTHONDONTWRITEBYTECODE`` is set every process would compile its 60-odd modules anew.

Then the same import through ``uv run`` (when ``uv`` is on PATH), which adds uv's own
start and its check that the environment is in sync.

    uv run python benchmarks/startup.py [--repeat 5] [--skip-uv]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from common import timed_command

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("modelsync"))
PAYLOAD = ROOT / "flows" / "demo_captures" / "synthetic_api_v1_models__2026-08-23.json"
URL = "https://openrouter.ai/api/v1/models"
FETCHED_AT = "2026-09-01T02:00:00Z"  # after every date of the demo's captures
FLOOR = (  # hypothesis hidden, as modelsync hides it from pandera (transforms/frames.py)
    "import sys; sys.modules['hypothesis'] = None; "
    "import duckdb, pandas as pd, pyarrow, pandera.pandas as pa; "
    "pa.DataFrameSchema({'a': pa.Column(int)}).validate(pd.DataFrame({'a': [1]}))"
)
PACKAGES = ("entities", "extractors", "flows", "transforms", "warehouse")
COMMAND_IMPORTS = "import flows.cli, flows.pipeline, pandera.backends.pandas.builtin_checks"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-uv", action="store_true", help="not the run through uv")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    uv = None if args.skip_uv else shutil.which("uv")
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    with tempfile.TemporaryDirectory(prefix="modelsync-startup-") as name:
        tmp = Path(name)
        env["PREFECT_HOME"] = str(tmp / "prefect-home")  # no profile naming a server
        demo = tmp / "demo"
        timed_command([CLI, "demo", "--dir", str(demo)], env)
        python = [sys.executable, "-c"]
        references = {
            "python -c pass": [*python, "pass"],
            'python -c "import pandas, duckdb"': [*python, "import pandas, duckdb"],
            "floor: + pyarrow, pandera, one validation": [*python, FLOOR],
            "imports the command needs, no work": [*python, COMMAND_IMPORTS],
            'modelsync sql "select 1"': [CLI, "sql", "select 1"],
        }
        walls: dict[str, list[float]] = {label: [] for label in references}
        ours: list[float] = []
        through_uv: list[float] = []
        read_env = {**env, "MODELSYNC_WAREHOUSE": str(demo / "modelsync-demo.duckdb")}
        import_args = ["import", str(PAYLOAD), "--url", URL, "--fetched-at", FETCHED_AT]
        for n in range(args.repeat):  # in turn, so a busy moment of the machine falls on every command alike
            for label, command in references.items():
                walls[label].append(timed_command(command, read_env))
            ours.append(timed_command([CLI, *import_args], _fresh_copy(demo, tmp / f"a{n}", env)))
            if uv:
                uv_run = [uv, "run", "--project", str(ROOT), "modelsync", *import_args]
                through_uv.append(timed_command(uv_run, _fresh_copy(demo, tmp / f"b{n}", env)))
        median = {label: statistics.median(times) for label, times in walls.items()}
        wall = statistics.median(ours)
        bare, floor = median['python -c "import pandas, duckdb"'], median["floor: + pyarrow, pandera, one validation"]
        print(f"one payload ({PAYLOAD.name}, {PAYLOAD.stat().st_size:,} bytes) imported into a copy of the demo's "
              f"warehouse; medians of {args.repeat}")  # fmt: skip
        for label, took in median.items():
            print(f"  {label:<45} {took:5.2f} s")
        print(f"  {'modelsync import (the environment script)':<45} {wall:5.2f} s = {wall / bare:.1f}x "
              f"'import pandas, duckdb', {wall / floor:.2f}x the floor (floor + {wall - floor:.2f} s); "
              f"goal under 1 s: {'met' if wall < 1 else 'not met'}")  # fmt: skip
        if through_uv:
            by_uv = statistics.median(through_uv)
            print(f"  {'uv run modelsync import':<45} {by_uv:5.2f} s (uv adds {by_uv - wall:.2f} s)")


def _fresh_copy(demo: Path, where: Path, env: dict[str, str]) -> dict[str, str]:
    """A copy of the demo's warehouse and archive at ``where``; the environment naming it."""
    shutil.copytree(demo, where)
    return {**env, "MODELSYNC_WAREHOUSE": str(where / "modelsync-demo.duckdb")}


if __name__ == "__main__":
    main()
