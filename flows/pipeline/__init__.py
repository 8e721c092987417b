"""The pipeline steps as plain functions; the Prefect flows in ``flows.sync`` wrap them.

fetch (polite) -> archive raw -> parse (pure) -> frames (validated) -> load (one transaction)

One module a job, imported only downward (``base`` <- ``hooks`` <- ``fetch``, ``parse`` <- ``load``
<- ``runs`` <- ``replay``); this package re-exports every step, so callers use ``flows.pipeline``:

- ``base``: the clock, run results (``Archived``, ``RunResult``, ...) and shared constants
- ``hooks``: migration data steps (``MIGRATION_HOOKS``) and the identity resolvers
- ``fetch``: crawl and fetch a source, archive raw payloads, import local files
- ``parse``: ``parse_archived`` into validated frames, ``ParsedRun`` and the quarantine
- ``load``: ``load_parsed`` in one transaction
- ``runs``: the run ledger: ``new_run``, ``start_run`` and recovery of interrupted runs
- ``replay``: backfill: ``replay_payloads``, ``adopt_payloads``, chunks of one run each
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
from flows.pipeline.hooks import (
    MIGRATION_HOOKS,
    OVERRIDES_FILE,
    PROVIDER_OVERRIDES_FILE,
    identity_resolver,
    identity_rules_version,
    provider_resolver,
    rehash_attributes,
)
from flows.pipeline.load import LOAD_WAIT_S, load_parsed, run_status
from flows.pipeline.parse import GONE_STATUSES, QUARANTINE_ALLOWANCE, ParsedRun, merged_parsed, parse_archived
from flows.pipeline.replay import (
    BACKFILL_CHUNK_MAX,
    PayloadT,
    adopt_payloads,
    backfill_chunks,
    chunk_run,
    combined_result,
    load_chunk,
    loaded_payloads,
    replay_payloads,
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
    "ImportInputError",
    "Known",
    "ParsedRun",
    "PayloadT",
    "Progress",
    "Recovered",
    "RunResult",
    "Started",
    "adopt_payloads",
    "archive_items",
    "backfill_chunks",
    "chunk_run",
    "combined_result",
    "counts_line",
    "fetch_and_archive",
    "identity_resolver",
    "identity_rules_version",
    "load_chunk",
    "load_parsed",
    "loaded_payloads",
    "merged",
    "merged_parsed",
    "new_run",
    "parse_archived",
    "payload_files",
    "provider_resolver",
    "recover_interrupted",
    "rehash_attributes",
    "replay_payloads",
    "run_status",
    "runnable_sources",
    "start_run",
    "utc_now",
]
