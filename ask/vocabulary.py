"""What a workspace's questions can name: its brands, locations and sources as stored, its
entity catalog, its topics, and its latest mention date. Read from SQL once a minute."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from enrichment.entities import EntityCatalog
from enrichment.taxonomy import TopicModel
from store import mentions as mention_store

# Catalog changes and pushes through the API invalidate at once; the TTL bounds the rest.
TTL_SECONDS = 30.0


@dataclass
class Vocabulary:
    brands: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    latest: datetime | None = None
    earliest: datetime | None = None
    entities: EntityCatalog | None = None
    topics: TopicModel | None = None


class VocabularyCache:
    def __init__(
        self,
        engine: Engine,
        entities: Callable[[str], tuple[int, EntityCatalog] | None],
        topics: Callable[[str], TopicModel | None],
    ) -> None:
        self._engine = engine
        self._entities = entities
        self._topics = topics
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Vocabulary]] = {}

    def get(self, workspace: str) -> Vocabulary:
        with self._lock:
            hit = self._cache.get(workspace)
        if hit is not None and time.monotonic() - hit[0] < TTL_SECONDS:
            return hit[1]
        with self._engine.connect() as conn:
            values = mention_store.distinct_values(
                conn, workspace=workspace, fields=("brand", "location", "source")
            )
            latest = mention_store.latest_created(conn, workspace=workspace)
            earliest = mention_store.earliest_created(conn, workspace=workspace)
        catalog = self._entities(workspace)
        vocab = Vocabulary(
            brands=values["brand"],
            locations=values["location"],
            sources=values["source"],
            latest=latest,
            earliest=earliest,
            entities=catalog[1] if catalog else None,
            topics=self._topics(workspace),
        )
        with self._lock:
            self._cache[workspace] = (time.monotonic(), vocab)
        return vocab

    def invalidate(self, workspace: str) -> None:
        with self._lock:
            self._cache.pop(workspace, None)
