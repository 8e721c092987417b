"""Each flow run's change summary as a Prefect artifact, so the Prefect UI shows what a run did."""

from __future__ import annotations

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.pipeline import RunResult, counts_line
from flows.progress import counted


def run_summary_markdown(result: RunResult) -> str:
    """The run's status, counts, key moves per entity, skipped sources and failed URLs, as markdown."""
    counts = result.counts
    lines = [
        f"# modelsync run `{result.run_id}`: {result.status}",
        "",
        f"{counts_line(counts)}, {counted(counts.quarantined, 'quarantined row')}.",
        "",
        "| entity | new | changed | retired | unchanged |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {entity} | {k.new} | {k.changed} | {k.retired} | {k.unchanged} |" for entity, k in counts.keys.items()
    ]
    if result.skipped:
        lines += ["", "**Skipped sources**", ""] + [f"- {source}: {why}" for source, why in result.skipped]
    if result.failed_urls:
        lines += ["", "**Failed URLs**", ""] + [f"- `{url}`: {reason}" for url, reason in result.failed_urls]
    if counts.incomplete:
        lines += ["", "**Incomplete listings** (nothing retired for being absent from them)", ""]
        lines += [f"- {source} {entity}s{f' of {scope}' if scope else ''}: {why}"
                  for entity, source, scope, why in counts.incomplete]  # fmt: skip
    if result.recovered:
        lines += ["", "**Interrupted runs finished first**", ""]
        lines += [f"- `{dead.run_id}`: {dead.payloads} archived payloads loaded under its id (now {dead.status})"
                  for dead in result.recovered]  # fmt: skip
    if counts.unmatched:
        lines += ["", f"**Unmatched model keys** ({len(counts.unmatched)}; see the `unmatched_keys` view)", ""]
        lines += [f"- {source} `{key}`" for source, key in counts.unmatched[:20]]
    if result.drift:
        lines += ["", f"**Schema drift first seen** ({len(result.drift)}; see the `schema_drift` view)", ""]
        lines += [f"- {source} {kind} `{path}`" for source, kind, path in result.drift[:40]]
    if result.error:
        lines += ["", f"**Error:** {result.error}"]
    return "\n".join(lines) + "\n"


def publish_run_summary(result: RunResult, kind: str) -> None:
    """Attach the run summary to the current Prefect flow run (key ``modelsync-<kind>``: one history per kind)."""
    try:
        create_markdown_artifact(
            markdown=run_summary_markdown(result),
            key=f"modelsync-{kind}",
            description=f"modelsync {kind} run {result.run_id}: {result.status}",
        )
    except Exception as e:  # noqa: BLE001 (the data has landed; a lost summary must not fail the run)
        get_run_logger().warning(f"could not publish the run summary artifact: {e}")
