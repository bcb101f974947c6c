"""Picks the quotes that show a number: candidates are exactly the mentions the number
counts (same scope, same window), ranked by hybrid retrieval (retrieval/hybrid.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import Engine

from analytics.scope import Scope
from ask.facts import Quote
from ask.plan import PlanWindow
from retrieval.hybrid import rank_quotes
from store.evidence import rows_by_id, scope_rows

# Quotes are chosen among the newest this-many candidates of a group: enough to represent
# it, few enough to rank in milliseconds.
MAX_CANDIDATES = 3000
QUOTE_CHARS = 500

VectorsFor = Callable[[list[int]], tuple[np.ndarray, np.ndarray]]


class QuotePicker:
    def __init__(
        self,
        engine: Engine,
        scope: Scope,
        vectors_for: VectorsFor,
        embed_query: Callable[[str], np.ndarray],
    ) -> None:
        self._engine = engine
        self._scope = scope
        self._vectors_for = vectors_for
        self._embed_query = embed_query
        self._rows: dict[int, Any] = {}
        self._used: set[int] = set()

    def pick(
        self,
        window: PlanWindow,
        *,
        k: int,
        query: str | None = None,
        scope: Scope | None = None,
        topic: str | None = None,
        brand: str | None = None,
        source: str | None = None,
        location: str | None = None,
    ) -> list[int]:
        """Ids of ``k`` quotes in the window under the scope narrowed to one driver value;
        a quote already used for another fact is not repeated."""
        if scope is not None:
            # A caller's scope (one side of a comparison) keeps the question's sentiment.
            scope = replace(
                scope,
                filters=scope.filters.model_copy(
                    update={"sentiments": self._scope.filters.sentiments}
                ),
            )
        scope = scope or self._scope
        topic_sentiment = None
        if topic is not None:
            scope = replace(scope, topics=(topic,))
            # Topic counts take the topic's own (clause) polarity; a quote must have it too,
            # and stay a mention of the asked sentiment overall (the question's filter).
            if scope.filters.sentiments:
                topic_sentiment = scope.filters.sentiments[0].value
        for name, value in (("brands", brand), ("sources", source), ("locations", location)):
            if value is not None:
                scope = replace(scope, filters=scope.filters.model_copy(update={name: [value]}))
        with self._engine.connect() as conn:
            rows = scope_rows(
                conn,
                scope=scope,
                window=window,
                limit=MAX_CANDIDATES,
                topic_sentiment=topic_sentiment,
            )
        rows = [r for r in rows if r.id not in self._used]
        if not rows:
            return []
        ids, vectors = self._vectors_for([r.id for r in rows])
        if not len(ids):
            return []
        by_id = {r.id: r for r in rows}
        texts = [by_id[int(i)].text for i in ids]
        chosen = rank_quotes(
            [int(i) for i in ids],
            vectors,
            texts,
            k=k,
            query_vector=self._embed_query(query) if query else None,
            query_text=query or "",
        )
        for i in chosen:
            self._rows[i] = by_id[i]
            self._used.add(i)
        return chosen

    def pick_ids(self, ids: list[int]) -> list[int]:
        """Quotes chosen elsewhere (a theme's representatives), kept when they are in the
        picker's scope and not used yet, in the given order."""
        with self._engine.connect() as conn:
            rows = {r.id: r for r in rows_by_id(conn, scope=self._scope, ids=ids)}
        chosen = [i for i in ids if i in rows and i not in self._used]
        for i in chosen:
            self._rows[i] = rows[i]
            self._used.add(i)
        return chosen

    def take(self, ids: list[int], *, illustrates: str) -> list[Quote]:
        return [
            Quote(
                id=i,
                text=self._rows[i].text[:QUOTE_CHARS],
                source=self._rows[i].source,
                created_at=self._rows[i].created_at,
                url=self._rows[i].url,
                sentiment=self._rows[i].sentiment,
                language=self._rows[i].language,
                illustrates=illustrates,
            )
            for i in ids
        ]
