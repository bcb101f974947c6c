"""The vector index protocol and its Chroma implementation.

Chroma never embeds anything here: every upsert and query passes vectors we computed, and
collections are created with no embedding function.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx
import numpy as np
from chromadb.errors import ChromaError

from hark.domain import SearchFilters
from hark.errors import ErrorCode, HarkError
from hark.workspace import is_workspace_name

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class VectorHit:
    id: int
    score: float


class VectorIndex(Protocol):
    def upsert(
        self, ids: Sequence[int], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]
    ) -> None: ...

    def query(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[VectorHit]: ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def count(self) -> int: ...

    def metadata(self, ids: Sequence[int] | None = None) -> dict[int, dict[str, Any]]: ...

    def drop(self) -> None: ...


def collection_name(workspace: str, embedder_name: str) -> str:
    """One collection per (workspace, embedder), never shared by two of them: the workspace name
    is checked whole and cannot hold '.', which separates the parts, and a digest of the exact
    embedder name keeps apart names that differ only where Chroma refuses a character."""
    if not is_workspace_name(workspace):
        raise ValueError(f"{workspace!r} is not a workspace name")
    readable = re.sub(r"[^a-zA-Z0-9_-]", "-", embedder_name)[:200].strip("-_") or "embedder"
    digest = hashlib.sha256(embedder_name.encode()).hexdigest()[:8]
    return f"hark.{workspace}.{readable}.{digest}"


def legacy_collection_name(workspace: str, embedder_name: str) -> str:
    """The name collections had before the one above (ambiguous: "beta-" and "beta\\n" met);
    an index under it is renamed when its workspace is first opened."""
    name = f"hark-{workspace}-{embedder_name}"
    name = re.sub(r"[^a-zA-Z0-9._-]", "-", name)[:500]
    return name.rstrip("-._")


def chroma_where(filters: SearchFilters | None) -> dict[str, Any] | None:
    """SearchFilters as a Chroma ``where``; mirrors store.filters.filter_conditions."""
    if filters is None:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.since is not None:
        clauses.append({"ts": {"$gte": int(filters.since.timestamp())}})
    if filters.until is not None:
        # created_at < until; timestamps are whole seconds, so ts < ceil(until).
        clauses.append({"ts": {"$lt": int(np.ceil(filters.until.timestamp()))}})
    for key, values in filters.value_filters():
        if len(values) == 1:
            clauses.append({key: values[0]})
        elif values:
            clauses.append({key: {"$in": list(values)}})
    customers, brand = filters.author_type_rule()
    if customers and not brand:
        # Documents of customers have no author_type key, and "$ne" lets them through.
        clauses.append({"author_type": {"$ne": "brand"}})
    elif brand and not customers:
        clauses.append({"author_type": "brand"})
    if filters.rating_min is not None:
        clauses.append({"rating": {"$gte": float(filters.rating_min)}})
    if filters.rating_max is not None:
        clauses.append({"rating": {"$lte": float(filters.rating_max)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _index_errors(method: F) -> F:
    """Chroma failures (server down, storage errors) become INDEX_UNAVAILABLE (HTTP 503)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except HarkError:
            raise
        except (ChromaError, httpx.HTTPError, OSError) as exc:
            raise HarkError(
                ErrorCode.INDEX_UNAVAILABLE, f"the vector index failed: {type(exc).__name__}: {exc}"
            ) from exc

    return wrapper  # type: ignore[return-value]


class ChromaIndex:
    """One Chroma collection per (workspace, embedder): workspaces cannot see each other."""

    @_index_errors
    def __init__(
        self,
        client: Any,
        name: str,
        *,
        m: int,
        ef_construction: int,
        ef_search: int,
        legacy_name: str | None = None,
    ) -> None:
        self._client = client
        self.name = name
        if legacy_name is not None:
            _adopt_legacy(client, legacy_name, name)
        self._config = {
            "hnsw": {
                "space": "cosine",
                "ef_construction": ef_construction,
                "ef_search": ef_search,
                "max_neighbors": m,
            }
        }
        self._collection = client.get_or_create_collection(
            name, embedding_function=None, configuration=self._config
        )
        # An existing collection keeps the settings it was made with; the query beam width
        # is the one that can change in place.
        current = (self._collection.configuration or {}).get("hnsw") or {}
        if current.get("ef_search") not in (None, ef_search):
            self._collection.modify(configuration={"hnsw": {"ef_search": ef_search}})

    @_index_errors
    def upsert(
        self, ids: Sequence[int], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]
    ) -> None:
        if len(ids) == 0:
            return
        self._collection.upsert(
            ids=[str(i) for i in ids],
            embeddings=np.asarray(vectors, dtype=np.float32),
            metadatas=[_clean(md) for md in metadatas],
        )

    @_index_errors
    def query(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[VectorHit]:
        result = self._collection.query(
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=k,
            where=chroma_where(filters),
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0] if result["distances"] else []
        return [VectorHit(int(i), 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    @_index_errors
    def delete(self, ids: Sequence[int]) -> None:
        if len(ids):
            self._collection.delete(ids=[str(i) for i in ids])

    @_index_errors
    def count(self) -> int:
        return int(self._collection.count())

    @_index_errors
    def metadata(self, ids: Sequence[int] | None = None) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        if ids is not None:
            got = self._collection.get(ids=[str(i) for i in ids], include=["metadatas"])
            return {
                int(i): dict(md or {}) for i, md in zip(got["ids"], got["metadatas"], strict=True)
            }
        page, offset = 5000, 0
        while True:
            got = self._collection.get(include=["metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return out
            out.update(
                {int(i): dict(md or {}) for i, md in zip(got["ids"], got["metadatas"], strict=True)}
            )
            offset += page

    @_index_errors
    def drop(self) -> None:
        self._client.delete_collection(self.name)
        self._collection = self._client.get_or_create_collection(
            self.name, embedding_function=None, configuration=self._config
        )


def _adopt_legacy(client: Any, legacy_name: str, name: str) -> None:
    """Rename a collection made under the old naming, so an upgrade re-embeds nothing."""
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    if legacy_name in names and name not in names:
        client.get_collection(legacy_name).modify(name=name)


def _clean(md: dict[str, Any]) -> dict[str, Any]:
    # Chroma rejects None values: a missing key is how "unknown" is stored.
    return {k: v for k, v in md.items() if v is not None}


def make_chroma_client(*, path: str | None, host: str | None, port: int, ssl: bool) -> Any:
    from pathlib import Path

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if host:
            return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
        if path is not None:
            # Chroma would make its folder with the process umask (world-readable vectors and
            # texts); made here first, it is private to the owner. An existing one is kept.
            Path(path).mkdir(mode=0o700, parents=True, exist_ok=True)
        if path is None:
            raise ValueError("a Chroma path or host is needed")
        return chromadb.PersistentClient(path=path, settings=chroma_settings)
    except Exception as exc:
        raise HarkError(
            ErrorCode.INDEX_UNAVAILABLE, f"cannot open the Chroma index: {exc}"
        ) from exc
