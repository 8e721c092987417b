"""Benchmark names shared by every source: one id per benchmark, scores on a 0-100 scale.

Artificial Analysis publishes evaluations as 0-1 fractions and its indices as 0-100;
catalog pages print percentages. Both map onto the ids below, so the same benchmark
from two sources lines up in ``benchmarks`` and ``conflicts``.
"""

from __future__ import annotations

import re

BENCHMARKS: dict[str, str] = {
    "aa_intelligence_index": "Artificial Analysis Intelligence Index",
    "aa_coding_index": "Artificial Analysis Coding Index",
    "aa_math_index": "Artificial Analysis Math Index",
    "aa_agentic_index": "Artificial Analysis Agentic Index",
    "aime_2024": "AIME 2024",
    "aime_2025": "AIME 2025",
    "gpqa_diamond": "GPQA Diamond",
    "hle": "HLE",
    "ifbench": "IFBench",
    "lcr": "AA-LCR",
    "livecodebench": "LiveCodeBench",
    "math_500": "MATH-500",
    "mmlu_pro": "MMLU-Pro",
    "scicode": "SciCode",
    "tau2": "tau2-Bench",
    "terminalbench_hard": "Terminal-Bench Hard",
}
"""Benchmark id -> display name."""

AA_EVALUATIONS: dict[str, str] = {
    "artificial_analysis_intelligence_index": "aa_intelligence_index",
    "artificial_analysis_coding_index": "aa_coding_index",
    "artificial_analysis_math_index": "aa_math_index",
    "artificial_analysis_agentic_index": "aa_agentic_index",
    "aime": "aime_2024",
    "aime_25": "aime_2025",
    "gpqa": "gpqa_diamond",
    "hle": "hle",
    "ifbench": "ifbench",
    "lcr": "lcr",
    "livecodebench": "livecodebench",
    "math_500": "math_500",
    "mmlu_pro": "mmlu_pro",
    "scicode": "scicode",
    "tau2": "tau2",
    "terminalbench_hard": "terminalbench_hard",
}
"""Artificial Analysis ``evaluations`` key -> benchmark id."""

_BY_LABEL = {re.sub(r"[^a-z0-9]", "", name.lower()): id_ for id_, name in BENCHMARKS.items()}


def benchmark_id(label: str) -> str:
    """The id of a benchmark named ``label`` ("GPQA Diamond" -> ``gpqa_diamond``); unknown labels are slugged."""
    squashed = re.sub(r"[^a-z0-9]", "", label.lower())
    if squashed in _BY_LABEL:
        return _BY_LABEL[squashed]
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def is_index(benchmark: str) -> bool:
    """Indices are published on a 0-100 scale already; other evaluations as 0-1 fractions."""
    return benchmark.startswith("aa_") and benchmark.endswith("_index")
