"""SQLAlchemy Core tables. The migrations in ``store/migrations`` create exactly these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, also on SQLite (which stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("source", String(128), nullable=False),
    Column("external_id", String(256), nullable=False),
    Column("source_type", String(16), nullable=False),
    Column("author", String(256)),
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("raw_text", Text, nullable=False),
    Column("created_at", UTCDateTime()),
    Column("rating", Float),
    Column("rating_min", Float),
    Column("rating_max", Float),
    Column("url", Text),
    Column("language", String(8)),
    Column("location", String(256)),
    Column("brand", String(256)),
    Column("reach", Integer),
    Column("extra", JSON, nullable=False, default=dict),
    Column("ingested_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # sha256 of what gets embedded (title + text): the embedding cache key.
    Column("content_hash", String(64), nullable=False),
    # sha256 of every mapped field: tells an unchanged re-ingested row from an edited one.
    Column("row_hash", String(64), nullable=False),
    # casefolded text without repost prefixes: finds exact copies and retweets.
    Column("dedup_key", String(64), nullable=False),
    Column("duplicate_of", Integer, ForeignKey("mentions.id", ondelete="SET NULL")),
    Column("is_repost", Boolean, nullable=False, default=False),
    # Enrichment (filled by the enrichment pipeline).
    Column("sentiment", String(16)),
    Column("sentiment_score", Float),
    Column("topics", JSON, nullable=False, default=list),
    Column("entities", JSON, nullable=False, default=list),
    Column("enrichment_version", String(64)),
    # Hash of the document last written to the vector index; NULL means "index me".
    Column("indexed_hash", String(64)),
    # Sequence number of the index write that last touched this mention (see index_epochs).
    Column("indexed_seq", Integer),
    UniqueConstraint("workspace", "source", "external_id", name="uq_mentions_source_external"),
)
Index("ix_mentions_ws_created", mentions.c.workspace, mentions.c.created_at)
Index("ix_mentions_ws_dedup", mentions.c.workspace, mentions.c.dedup_key)
Index("ix_mentions_ws_pending", mentions.c.workspace, mentions.c.indexed_hash)
Index("ix_mentions_ws_seq", mentions.c.workspace, mentions.c.indexed_seq)

# Per-workspace counters of vector-index writes: `seq` grows with every batch written, `epoch`
# with every removal (drift repair, rebuild). In-memory mirrors of the index compare them to
# catch up incrementally, or reload after a removal.
index_epochs = Table(
    "index_epochs",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("seq", Integer, nullable=False, default=0),
    Column("epoch", Integer, nullable=False, default=0),
)

# Evaluation labels (sentiment, reasons, stars) live apart from mentions so that no analysis
# query can read them by accident; only evals join this table.
mention_labels = Table(
    "mention_labels",
    metadata,
    Column("mention_id", Integer, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    Column("labels", JSON, nullable=False),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("model", String(128), primary_key=True),
    Column("content_hash", String(64), primary_key=True),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
)
