"""``hark search``: semantic search with metadata filters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json

ListOpt = list[str] | None


@handles_errors
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in any language.")],
    since: Annotated[datetime | None, typer.Option(help="From this date/time (UTC).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Before this date/time (UTC).")] = None,
    source: Annotated[ListOpt, typer.Option(help="Source name; repeatable.")] = None,
    source_type: Annotated[ListOpt, typer.Option(help="review, social, ...; repeatable.")] = None,
    language: Annotated[ListOpt, typer.Option(help="ISO 639-1 code; repeatable.")] = None,
    brand: Annotated[ListOpt, typer.Option(help="Brand or object; repeatable.")] = None,
    location: Annotated[ListOpt, typer.Option(help="Location; repeatable.")] = None,
    sentiment: Annotated[ListOpt, typer.Option(help="negative/neutral/positive.")] = None,
    author_type: Annotated[
        ListOpt, typer.Option(help="customer/brand; customers only when absent.")
    ] = None,
    rating_min: Annotated[float | None, typer.Option()] = None,
    rating_max: Annotated[float | None, typer.Option()] = None,
    k: Annotated[int, typer.Option("-k", help="How many hits.")] = 10,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find the mentions closest in meaning to QUERY."""

    from hark.domain import SearchFilters

    assert workspace is not None
    filters = SearchFilters.from_params(
        since=since,
        until=until,
        source=source,
        source_type=source_type,
        language=language,
        brand=brand,
        location=location,
        sentiment=sentiment,
        author_type=author_type,
        rating_min=rating_min,
        rating_max=rating_max,
    )
    result = container(ctx).search.query(workspace, query, filters, k)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    if not result.hits:
        typer.echo("no mentions match")
        return
    for hit in result.hits:
        m = hit.mention
        when = m.created_at.strftime("%Y-%m-%d %H:%M") if m.created_at else "-"
        text = m.text.replace("\n", " ")
        typer.echo(f"{hit.score:.3f}  #{m.id}  {when}  {m.source}  {m.brand or ''}\n    {text}")
