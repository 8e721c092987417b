"""The pipeline steps as plain functions; the Prefect flows in ``flows.sync`` wrap them.

fetch (polite) -> archive raw -> parse (pure) -> frames (validated) -> load (one transaction)

One module a job, imported only downward (``base`` <- ``hooks`` <- ``fetch``, ``parse`` <- ``load``
<- ``files``, ``runs`` <- ``replay``); this package re-exports every step, so callers use ``flows.pipeline``:

- ``base``: the clock, run results (``Archived``, ``RunResult``, ...) and shared constants
- ``hooks``: migration data steps (``MIGRATION_HOOKS``) and the identity resolvers
- ``fetch``: crawl and fetch a source, archive raw payloads, import local files
- ``parse``: ``parse_archived`` into validated frames, ``ParsedRun`` and the quarantine
- ``load``: ``load_parsed`` in one transaction; ``parse_and_load`` a batch at a time, in one still
- ``files``: ``import_files``: local files archived, parsed and loaded a batch at a time
- ``runs``: the run ledger: ``new_run``, ``start_run`` and recovery of interrupted runs
- ``replay``: backfill: ``replay_plan`` (a date at a time), ``adopt_payloads``, chunks of one run each
"""

from __future__ import annotations

from flows.pipeline.base import (
    EXIT_CODES,
    INTERRUPTED,
    LOADABLE_STATUSES,
    LOADED_PAYLOADS,
    Archived,
    ImportInputError,
    Known,
    Recovered,
    RunResult,
    Started,
    counts_line,
    merged,
    utc_now,
)
from flows.pipeline.fetch import (
    MAX_LINK_DEPTH,
    Clock,
    Progress,
    archive_items,
    fetch_and_archive,
    payload_files,
    runnable_sources,
)
from flows.pipeline.files import archive_files, check_files, import_files
from flows.pipeline.hooks import (
    MIGRATION_HOOKS,
    OVERRIDES_FILE,
    PROVIDER_OVERRIDES_FILE,
    identity_resolver,
    identity_rules_version,
    provider_resolver,
    rehash_attributes,
)
from flows.pipeline.load import LOAD_WAIT_S, load_parsed, parse_and_load, payload_batches, run_status
from flows.pipeline.parse import GONE_STATUSES, QUARANTINE_ALLOWANCE, ParsedRun, merged_parsed, parse_archived
from flows.pipeline.replay import (
    BACKFILL_CHUNK_MAX,
    FetchKey,
    PayloadT,
    ReplayPlan,
    adopt_payloads,
    backfill_chunks,
    chunk_run,
    combined_result,
    load_chunk,
    loaded_payloads,
    replay_plan,
)
from flows.pipeline.runs import new_run, recover_interrupted, start_run

__all__ = [
    "BACKFILL_CHUNK_MAX",
    "EXIT_CODES",
    "GONE_STATUSES",
    "INTERRUPTED",
    "LOADABLE_STATUSES",
    "LOADED_PAYLOADS",
    "LOAD_WAIT_S",
    "MAX_LINK_DEPTH",
    "MIGRATION_HOOKS",
    "OVERRIDES_FILE",
    "PROVIDER_OVERRIDES_FILE",
    "QUARANTINE_ALLOWANCE",
    "Archived",
    "Clock",
    "FetchKey",
    "ImportInputError",
    "Known",
    "ParsedRun",
    "PayloadT",
    "Progress",
    "Recovered",
    "ReplayPlan",
    "RunResult",
    "Started",
    "adopt_payloads",
    "archive_files",
    "archive_items",
    "backfill_chunks",
    "check_files",
    "chunk_run",
    "combined_result",
    "counts_line",
    "fetch_and_archive",
    "identity_resolver",
    "identity_rules_version",
    "import_files",
    "load_chunk",
    "load_parsed",
    "loaded_payloads",
    "merged",
    "merged_parsed",
    "new_run",
    "parse_and_load",
    "parse_archived",
    "payload_batches",
    "payload_files",
    "provider_resolver",
    "recover_interrupted",
    "rehash_attributes",
    "replay_plan",
    "run_status",
    "runnable_sources",
    "start_run",
    "utc_now",
]
