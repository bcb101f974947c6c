"""``hark ingest``: files through a field mapping into the store and the index."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from hark.cli.common import JsonOpt, WorkspaceOpt, handles_errors, print_json, runtime
from ingestion.mapping import bundled_mappings, load_mapping
from ingestion.pipeline import IngestReport, ingest_file, write_rejects


@handles_errors
def ingest(
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
    assert workspace is not None
    rt = runtime()
    mapping_obj = load_mapping(mapping)
    bar = tqdm(desc=f"ingest {path.name}", unit=" rows", disable=None, leave=False)

    def progress(report: IngestReport) -> None:
        bar.update(report.read - bar.n)
        bar.set_postfix(new=report.inserted, indexed=report.indexed, refresh=False)

    try:
        report = ingest_file(
            rt.engine,
            workspace=workspace,
            path=path,
            mapping=mapping_obj,
            batch_size=rt.settings.ingest_batch_size,
            dedup_window=rt.dedup_window,
            index=None if no_index else rt.index_target(workspace),
            on_batch=progress,
            enrich=rt.enrich_hook(workspace),
        )
    finally:
        bar.close()
    summary = report.summary()
    if report.rejects:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = rejects or rt.settings.home / "rejects" / f"{mapping_obj.source}-{stamp}.csv"
        write_rejects(report.rejects, out)
        summary["rejects_file"] = str(out)
    if as_json:
        print_json(summary)
        return
    typer.echo(
        f"{path.name}: read {report.read}, inserted {report.inserted}, updated {report.updated}, "
        f"unchanged {report.unchanged}, duplicates {report.duplicates}, "
        f"repeated in file {report.repeated}, skipped by filter {report.skipped}, "
        f"rejected {report.rejected}; indexed {report.indexed} (embedded {report.embedded})"
    )
    if report.rejects:
        typer.echo(f"rejects report: {summary['rejects_file']}")


def mappings() -> None:
    """List the bundled field mappings."""
    for name in bundled_mappings():
        m = load_mapping(name)
        typer.echo(f"{name}\tsource={m.source}\ttype={m.source_type.value}")
