"""SearchFilters as SQL conditions (the vector index has its own translation)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, true

from hark.domain import SearchFilters
from store.tables import mentions


def filter_conditions(workspace: str, filters: SearchFilters) -> ColumnElement[bool]:
    m = mentions.c
    conds: list[ColumnElement[bool]] = [m.workspace == workspace, m.duplicate_of.is_(None)]
    if filters.since is not None:
        conds.append(m.created_at >= filters.since)
    if filters.until is not None:
        conds.append(m.created_at < filters.until)
    for column, values in (
        (m.source, filters.sources),
        (m.source_type, [v.value for v in filters.source_types]),
        (m.language, filters.languages),
        (m.brand, filters.brands),
        (m.location, filters.locations),
        (m.sentiment, [v.value for v in filters.sentiments]),
    ):
        if values:
            conds.append(column.in_(values))
    if filters.rating_min is not None:
        conds.append(m.rating >= filters.rating_min)
    if filters.rating_max is not None:
        conds.append(m.rating <= filters.rating_max)
    return and_(true(), *conds)
