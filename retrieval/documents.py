"""What a mention looks like inside the vector index: its metadata (the embedded text and its
hash are hark.documents', shared with ingestion and enrichment)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def index_metadata(row: Any, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Filterable fields of a stored mention row; keys match retrieval.vector_index.chroma_where.
    ``overrides`` are values about to be stored with the row (e.g. a fresh sentiment)."""
    created = row.created_at
    md: dict[str, Any] = {
        "ts": int(created.timestamp()) if created is not None else None,
        "source": row.source,
        "source_type": row.source_type,
        "language": row.language,
        "brand": row.brand,
        "location": row.location,
        "sentiment": row.sentiment,
        "rating": float(row.rating) if row.rating is not None else None,
        "h": row.content_hash,
    }
    # Only brand-authored mentions carry the key (Chroma's "$ne" passes documents without it),
    # so documents indexed before authors were classified keep their hash.
    if getattr(row, "author_type", None) == "brand":
        md["author_type"] = "brand"
    md.update(overrides or {})
    md["doc"] = document_hash(md)
    return md


def document_hash(md: dict[str, Any]) -> str:
    """Hash of an index document (vector key + metadata): a change means re-upsert."""
    body = {k: v for k, v in md.items() if k != "doc"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]
