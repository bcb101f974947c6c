"""``hark ingest``: files through a field mapping into the store and the index."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json

if TYPE_CHECKING:
    from ingestion.pipeline import IngestReport


@handles_errors
def ingest(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV, JSONL or JSON-array file.")],
    mapping: Annotated[
        str, typer.Option("--mapping", "-m", help="Bundled mapping name or a TOML file path.")
    ],
    workspace: WorkspaceOpt = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the rejects report (CSV); default under HARK_HOME/rejects."
        ),
    ] = None,
    no_index: Annotated[
        bool, typer.Option("--no-index", help="Store only; index later with `hark sync`.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ingest a file. Safe to re-run: unchanged rows are skipped, changed rows updated."""

    from tqdm import tqdm

    assert workspace is not None
    bar = tqdm(desc=f"ingest {path.name}", unit=" rows", disable=None, leave=False)

    def progress(report: IngestReport) -> None:
        bar.update(report.read - bar.n)
        bar.set_postfix(new=report.inserted, indexed=report.indexed, refresh=False)

    try:
        outcome = container(ctx).ingest.ingest_file(
            workspace, path, mapping, index=not no_index, rejects=rejects, on_batch=progress
        )
    finally:
        bar.close()
    report = outcome.report
    summary = report.summary()
    if outcome.rejects_file is not None:
        summary["rejects_file"] = str(outcome.rejects_file)
    if as_json:
        print_json(summary)
        return
    typer.echo(
        f"{path.name}: read {report.read}, inserted {report.inserted}, updated {report.updated}, "
        f"unchanged {report.unchanged}, duplicates {report.duplicates}, "
        f"repeated in file {report.repeated}, skipped by filter {report.skipped}, "
        f"rejected {report.rejected}; indexed {report.indexed} (embedded {report.embedded})"
    )
    if outcome.rejects_file is not None:
        typer.echo(f"rejects report: {outcome.rejects_file}")


def mappings() -> None:
    """List the bundled field mappings."""
    from ingestion.mapping import bundled_mappings, load_mapping

    for name in bundled_mappings():
        m = load_mapping(name)
        typer.echo(f"{name}\tsource={m.source}\ttype={m.source_type.value}")
