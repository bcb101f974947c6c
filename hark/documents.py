"""The text a mention is embedded as, and the hash that keys its vector.

Ingestion hashes a mention's text when it prepares it, enrichment embeds the same text (and
finds cached vectors by the hash), and retrieval indexes it: one definition here keeps the
three in agreement. What else an index document holds (its metadata) is retrieval's, in
retrieval.documents.
"""

from __future__ import annotations

import hashlib


def embed_text(text: str, title: str | None) -> str:
    return f"{title}\n{text}" if title else text


def content_hash(text: str, title: str | None) -> str:
    """The embedding cache's key for a text (with its title): sha256 of ``embed_text``."""
    return hashlib.sha256(embed_text(text, title).encode("utf-8")).hexdigest()
