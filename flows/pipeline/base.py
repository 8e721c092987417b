"""What every pipeline step shares: the clock, the run results, and the constants the steps agree on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from extractors.policy import Validators
from flows.progress import counted
from warehouse.archive import ArchivedPayload
from warehouse.history import LoadCounts

LOADABLE_STATUSES = (200, 304)
EXIT_CODES = {"ok": 0, "failed": 1, "partial": 3}
INTERRUPTED = "interrupted: the process stopped before this run finished"
LOADED_PAYLOADS = "SELECT url, fetched_at, sha256 FROM payloads"


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Known:
    """What the warehouse last archived for a URL: validators for a conditional GET and the body's sha."""

    validators: Validators
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Archived:
    """Payloads of one phase now in the archive, the URLs that failed, and seconds spent."""

    payloads: tuple[ArchivedPayload, ...] = ()
    failures: tuple[tuple[str, str], ...] = ()
    fetch_s: float = 0.0
    archive_s: float = 0.0
    bodies: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    """Bodies still in memory by sha256, when the run fits one load batch: parsed without reading them back."""


def merged(parts: Sequence[Archived]) -> Archived:
    """One ``Archived`` for a run's sources: payloads and failures in order, seconds summed."""
    return Archived(
        payloads=tuple(p for part in parts for p in part.payloads),
        failures=tuple(f for part in parts for f in part.failures),
        fetch_s=sum(part.fetch_s for part in parts),
        archive_s=sum(part.archive_s for part in parts),
    )


@dataclass(frozen=True)
class Recovered:
    """A run a dead process left ``running``, finished by a later run: what it had archived, loaded under its id."""

    run_id: str
    status: str  # ``partial`` when its payloads landed, else ``failed``
    payloads: int  # how many it had archived that no run had loaded


@dataclass(frozen=True)
class Started:
    """A run recorded as ``running``: validators for conditional GETs, and the interrupted runs it finished first."""

    known: dict[str, Known]
    recovered: tuple[Recovered, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """How a run ended, for the CLI and the scheduler."""

    run_id: str
    status: str
    counts: LoadCounts = field(default_factory=LoadCounts)
    failed_urls: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    skipped: tuple[tuple[str, str], ...] = ()  # (source, why) for sources this run did not fetch
    recovered: tuple[Recovered, ...] = ()  # interrupted runs this run finished before its own work
    drift: tuple[tuple[str, str, str], ...] = ()  # (source, kind, path) of the schema drift this run saw first

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


class ImportInputError(ValueError):
    """An import names a file or URL that cannot be used."""


def counts_line(counts: LoadCounts, *, measurements: bool = True) -> str:
    """A run's counts in words: ``9 payloads, 1 new observation, 1 new version, 33 measurements``."""
    parts = [counted(counts.payloads, "payload"), counted(counts.observations, "new observation"),
             counted(counts.new_versions, "new version")]  # fmt: skip
    return ", ".join(parts + ([counted(counts.measurements, "measurement")] if measurements else []))
