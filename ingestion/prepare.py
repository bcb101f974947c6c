"""Turn a validated MentionCreate into the columns the store keeps (normalised text, hashes)."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

from hark.documents import content_hash
from hark.domain import MentionCreate
from hark.prepared import MentionColumns, PreparedMention
from ingestion.normalise import dedup_key, is_link_only, is_repost, normalise_text


class EmptyTextError(ValueError):
    pass


def _visible(text: str) -> bool:
    # Format characters (joiners, marks of direction) and spaces alone say nothing; they are
    # kept inside words, where the Persian zero-width non-joiner matters.
    return any(unicodedata.category(c)[0] not in "CZ" for c in text)


def prepare(
    mention: MentionCreate, *, row_no: int, labels: dict[str, Any] | None = None
) -> PreparedMention:
    text = normalise_text(mention.text)
    if not _visible(text):
        raise EmptyTextError("text is empty after normalisation (no visible characters)")
    title = normalise_text(mention.title) if mention.title else None
    columns: MentionColumns = {
        "source": mention.source,
        "external_id": mention.external_id,
        "source_type": mention.source_type.value,
        "author": mention.author,
        "title": title or None,
        "text": text,
        "raw_text": mention.text,
        # Whole seconds: every filter path (SQL, Chroma, mirror) compares seconds.
        "created_at": mention.created_at.replace(microsecond=0) if mention.created_at else None,
        "rating": mention.rating,
        "rating_min": mention.rating_min,
        "rating_max": mention.rating_max,
        "url": mention.url,
        "language": mention.language.lower() if mention.language else None,
        "location": mention.location,
        "brand": mention.brand,
        # The source's own flag when it gives one; enrichment classifies the rest.
        "author_type": mention.author_type.value if mention.author_type else None,
        "reach": mention.reach,
        "extra": mention.metadata,
        "content_hash": content_hash(text, title),
        "dedup_key": dedup_key(text),
        "is_repost": is_repost(text),
        # Kept, but left out of counts (see store/filters.py: counted_conditions).
        "noise": "link_only" if is_link_only(text) else None,
        # Set by enrichment when it derives a field (see enrichment/); None = nothing derived.
        "enrichment_version": None,
    }
    fingerprint = {k: v for k, v in columns.items() if k != "raw_text"}
    fingerprint["raw_text"] = mention.text
    fingerprint["labels"] = labels
    columns["row_hash"] = hashlib.sha256(
        json.dumps(fingerprint, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()
    return PreparedMention(
        row_no=row_no, key=(mention.source, mention.external_id), columns=columns, labels=labels
    )
