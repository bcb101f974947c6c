"""A workspace's versioned configuration for enrichment: its topic taxonomy and its entity
catalog (brands and competitors). Setting one validates it and stores it as a new version
when it differs from the active one; mentions are then re-enriched under it (`hark enrich`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from enrichment.entities import EntityCatalog
from enrichment.taxonomy import Taxonomy
from hark.errors import ErrorCode, HarkError
from store import enrichment as enrichment_store

Kind = Literal["taxonomy", "entities"]


@dataclass(frozen=True)
class CatalogState:
    kind: Kind
    version: int
    created: bool
    body: dict[str, Any]


def parse(kind: Kind, text: str | None = None, data: Any = None) -> dict[str, Any]:
    """Validate YAML ``text`` or a parsed ``data`` object; the canonical dict to store."""
    parser = Taxonomy if kind == "taxonomy" else EntityCatalog
    try:
        parsed = parser.from_yaml(text) if text is not None else parser.from_dict(data)
    except ValueError as exc:
        raise HarkError(ErrorCode.BAD_CATALOG, f"{kind}: {exc}") from exc
    return parsed.to_dict()


def set_catalog(
    engine: Engine, *, workspace: str, kind: Kind, body: dict[str, Any]
) -> CatalogState:
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                saved, created = enrichment_store.save_catalog(
                    conn, workspace=workspace, kind=kind, body=body
                )
            return CatalogState(kind, saved.version, created, saved.body)
        except IntegrityError:
            # Another writer took this version number first: read again and go on from it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def get_catalog(
    engine: Engine, *, workspace: str, kind: Kind, version: int | None = None
) -> CatalogState:
    with engine.connect() as conn:
        found = (
            enrichment_store.active_catalog(conn, workspace=workspace, kind=kind)
            if version is None
            else enrichment_store.catalog_version(
                conn, workspace=workspace, kind=kind, version=version
            )
        )
    if found is None:
        what = f"{kind} version {version}" if version is not None else f"no {kind}"
        raise HarkError(ErrorCode.NOT_FOUND, f"{what} in workspace {workspace!r}")
    body = found.body
    if kind == "taxonomy":
        # Said outright: a version stored before scoring 2 reads back with "scoring": 1, so
        # uploading what was read keeps the scale its threshold was set on.
        body = Taxonomy.from_stored(body).to_dict()
    return CatalogState(kind, found.version, False, body)
