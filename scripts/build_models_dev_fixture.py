#!/usr/bin/env python3
"""Assemble tests/fixtures/models_dev/api*.json from the real models.dev TOML samples.

Stdlib only and deterministic: running it twice gives byte-identical output.

    python3 scripts/build_models_dev_fixture.py [--sources DIR] [--out DIR]

Inputs (read only), in <sources>/models.dev/ (provenance in its README.md; repo
anomalyco/models.dev at f3fc692299671838c7c65fd8126bf84d81a2e817, paths with "/" as "__"):
  current/, more/   providers__<p>__provider.toml           provider metadata
                    providers__<p>__models__<model id>.toml  a provider's model
                    models__<lab>__<id>.toml                 provider-agnostic base models
  history/          <date>__<commit12>__<path>.toml          the same files at earlier commits

What models.dev's build does and this script repeats: a provider object is its provider.toml
plus ``id`` and ``models``; a model is its TOML plus ``id`` (the path below ``models/``); a
model with ``base_model = "<lab>/<id>"`` is the base file deep-merged with its own fields
(objects merge key by key, everything else is replaced; ``base_model`` is kept). Base files are
not served on their own. ``*.SYMLINK.txt`` (a git symlink whose target is not in the samples)
is skipped.

Outputs, in <out>/:
  synthetic_api.json     every provider and model of current/ and more/ (HEAD f3fc692)
  synthetic_api__2026-03-13.json   the same, with deepinfra's Llama 4 Scout as of commit 42a7a14f6989
                         (2026-03-13: context 10,000,000, no output limit, input 0.08)
"""

from __future__ import annotations

import argparse
import copy
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = Path("/work/shared/sources")
DEFAULT_OUT = REPO / "tests" / "fixtures" / "models_dev"

PROVIDER_KEYS = ("id", "name", "env", "npm", "api", "doc")
DATED: Mapping[str, tuple[str, ...]] = {
    "synthetic_api__2026-03-13.json": (
        "2026-03-13__42a7a14f6989__providers__deepinfra__models__meta-llama__Llama-4-Scout-17B-16E-Instruct.toml",
    ),
}
"""Dated fixture -> history files that replace their HEAD version (the path after the commit)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    root = args.sources / "models.dev"
    files = {p.name: p for d in ("current", "more") for p in sorted((root / d).glob("*.toml"))}
    args.out.mkdir(parents=True, exist_ok=True)
    _write(args.out / "synthetic_api.json", api_document(files))
    for name, history in DATED.items():
        dated = dict(files)
        for entry in history:
            path = entry.split("__", 2)[2]
            if path not in dated:
                raise SystemExit(f"{entry}: no HEAD file {path} to replace")
            dated[path] = root / "history" / entry
        _write(args.out / name, api_document(dated))


def api_document(files: Mapping[str, Path]) -> dict[str, Any]:
    """api.json from TOML files named by their repository path with "/" as "__"."""
    bases = {
        name.removeprefix("models__").removesuffix(".toml").replace("__", "/"): _toml(path)
        for name, path in files.items()
        if name.startswith("models__")
    }
    providers: dict[str, dict[str, Any]] = {}
    for name, path in sorted(files.items()):
        parts = name.removesuffix(".toml").split("__")
        if parts[0] == "providers" and parts[2:] == ["provider"]:
            meta = _toml(path)
            provider = {"id": parts[1], **meta, "models": {}}
            providers[parts[1]] = {k: provider[k] for k in (*PROVIDER_KEYS, "models") if k in provider}
    for name, path in sorted(files.items()):
        parts = name.removesuffix(".toml").split("__")
        if parts[0] != "providers" or len(parts) < 4 or parts[2] != "models":
            continue
        model_id = "/".join(parts[3:])
        authored = _toml(path)
        base_id = authored.get("base_model")
        if base_id is not None:
            if base_id not in bases:
                raise SystemExit(f"{name}: base_model {base_id!r} is not among the samples")
            authored = _merge(bases[base_id], authored)
        providers[parts[1]]["models"][model_id] = {"id": model_id, **authored}
    for provider in providers.values():
        provider["models"] = dict(sorted(provider["models"].items()))
    return dict(sorted(providers.items()))


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` deep-merged over ``base``: objects key by key, anything else replaced (remeda mergeDeep)."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def _write(path: Path, document: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {path} ({sum(len(p['models']) for p in document.values())} models)")


if __name__ == "__main__":
    main()
