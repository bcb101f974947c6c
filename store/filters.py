"""SearchFilters as SQL conditions (the vector index has its own translation)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from hark.domain import SearchFilters
from store.tables import mentions


def filter_conditions(workspace: str, filters: SearchFilters) -> ColumnElement[bool]:
    m = mentions.c
    conds: list[ColumnElement[bool]] = [m.workspace == workspace, m.duplicate_of.is_(None)]
    if filters.since is not None:
        conds.append(m.created_at >= filters.since)
    if filters.until is not None:
        conds.append(m.created_at < filters.until)
    for name, values in filters.value_filters():
        if values:
            conds.append(mentions.c[name].in_(values))
    conds.extend(author_type_conditions(filters))
    if filters.rating_min is not None:
        conds.append(m.rating >= filters.rating_min)
    if filters.rating_max is not None:
        conds.append(m.rating <= filters.rating_max)
    return and_(true(), *conds)


def author_type_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """Brand-authored mentions are out unless asked for; NULL (never classified) is a
    customer, so a workspace migrated before classification keeps every mention counted."""
    customers, brand = filters.author_type_rule()
    m = mentions.c
    if customers and brand:
        return []
    if customers:
        return [or_(m.author_type.is_(None), m.author_type != "brand")]
    if brand:
        return [m.author_type == "brand"]
    return [false()]
