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
    # Calibrated class probabilities behind `sentiment` (one-hot where a rating or a user's
    # correction set it): their sums are the bias-aware counts (analytics/prevalence).
    Column("p_negative", Float),
    Column("p_neutral", Float),
    Column("p_positive", Float),
    # Where `sentiment` came from: "rating", "model" or "correction"; and which model
    # version ("sentiment.v3", "sentiment.v3+ws3") labelled it.
    Column("sentiment_origin", String(16)),
    Column("sentiment_model", String(64)),
    Column("enrichment_version", String(64)),
    # Why the mention is left out of counts though kept: "mass_posted" (one text from many
    # accounts), "link_only". NULL = counted. Copies are left out through duplicate_of.
    Column("noise", String(32)),
    # Who wrote it: "customer" or "brand" (an official/support account; enrichment/author_type).
    # Brand-authored mentions are left out of counts, quotes and search unless asked for;
    # NULL (never classified) reads as customer.
    Column("author_type", String(16)),
    # Taxonomy version its topics were last assigned under (rows in mention_topics); NULL or
    # an older version means "assign me" once vectors are at hand.
    Column("topics_version", Integer),
    # Entity-catalog version its entities were last matched under (rows in mention_entities).
    Column("entities_version", Integer),
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
# Copy counts are read with every hydrated mention (search hits, quotes).
Index("ix_mentions_duplicate_of", mentions.c.duplicate_of)
Index("ix_mentions_ws_author_type", mentions.c.workspace, mentions.c.author_type)

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

# Users' corrections of a mention's labels, one per (mention, field): "sentiment" (a label),
# "topics" (the list of topic ids that apply) or "brand" (the main entity id, or null). A
# correction wins for its own mention and is training data for its workspace only. `origin`
# says how the mention was picked: "uncertain" or "random" from the labeling queue, "manual"
# otherwise; only "random" picks measure the labels' error without bias.
label_corrections = Table(
    "label_corrections",
    metadata,
    Column("mention_id", Integer, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    Column("field", String(16), primary_key=True),
    Column("workspace", String(64), nullable=False),
    Column("value", JSON, nullable=False),
    Column("origin", String(16), nullable=False),
    # What the model said before the correction (for sentiment: its class probabilities):
    # with "random" picks these pairs measure the model's error in this workspace.
    Column("model_value", JSON),
    Column("author", String(128)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index("ix_label_corrections_ws_field", label_corrections.c.workspace, label_corrections.c.field)

# Per-workspace models refit from its corrections ("sentiment": a head over the shipped
# model; "topics": topic examples and thresholds). Every refit is a new version; `active`
# marks the one in use, so an older version can be restored.
workspace_models = Table(
    "workspace_models",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("body", LargeBinary, nullable=False),
    Column("report", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
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


# Versioned per-workspace configuration: kind "taxonomy" (topics) or "entities" (brands and
# competitors). Every change is a new version; the highest version is the active one, and
# older versions stay so that assignments made under them can still be read.
catalogs = Table(
    "catalogs",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("body", JSON, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Topic assignments, aspect-level: one row per (mention, taxonomy version, topic) with the
# polarity of the part of the mention that speaks of the topic.
mention_topics = Table(
    "mention_topics",
    metadata,
    Column("mention_id", Integer, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    Column("taxonomy_version", Integer, primary_key=True),
    Column("topic", String(128), primary_key=True),
    Column("workspace", String(64), nullable=False),
    Column("similarity", Float, nullable=False),
    Column("sentiment", String(16)),
    Column("sentiment_score", Float),
    # The clause the topic was read from; NULL when it was read from the whole mention.
    Column("clause", Text),
)
Index(
    "ix_mention_topics_ws_topic",
    mention_topics.c.workspace,
    mention_topics.c.taxonomy_version,
    mention_topics.c.topic,
)

# Brands and competitors a mention names, under the workspace's entity catalog.
mention_entities = Table(
    "mention_entities",
    metadata,
    Column("mention_id", Integer, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    Column("entity", String(128), primary_key=True),
    Column("workspace", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("main", Boolean, nullable=False),
    Column("surface", String(256), nullable=False),
    Column("catalog_version", Integer, nullable=False),
)
Index("ix_mention_entities_ws_entity", mention_entities.c.workspace, mention_entities.c.entity)

# Topic-discovery runs: clusters of mentions the taxonomy does not cover, offered for
# promotion into the taxonomy. A run is kept whole so that its clusters stay comparable.
discovered_topics = Table(
    "discovered_topics",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("run", Integer, primary_key=True),
    Column("key", String(32), primary_key=True),
    Column("taxonomy_version", Integer),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("size", Integer, nullable=False),
    Column("label", String(256), nullable=False),
    Column("terms", JSON, nullable=False),
    Column("quote_ids", JSON, nullable=False),
    Column("member_ids", JSON, nullable=False),
    Column("cohesion", Float, nullable=False),
    # "new", "promoted" (into the taxonomy as `promoted_as`) or "dismissed".
    Column("status", String(16), nullable=False, default="new"),
    Column("promoted_as", String(128)),
)

# Per-workspace preferences that override a HARK_* setting for one workspace. `timezone`: the
# IANA zone its questions' days, weeks and months are cut in (NULL: HARK_TIMEZONE).
# `reply_tone`: free-text guidance for reply drafts (register, forms of address, what the
# brand allows itself to offer); `reply_signature`: the line a draft is signed with.
workspace_settings = Table(
    "workspace_settings",
    metadata,
    Column("workspace", String(64), primary_key=True),
    Column("timezone", String(64)),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("reply_tone", Text),
    Column("reply_signature", String(200)),
)

# Insight briefs, kept whole: `body` is the brief with all its facts and quotes (briefs.model
# .Brief as JSON), so an old brief is fetched and re-rendered without computing anything,
# and the next brief of the same schedule (or the same filters) reads what this one flagged.
briefs = Table(
    "briefs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("schedule_id", Integer),
    Column("period_start", UTCDateTime(), nullable=False),
    Column("period_end", UTCDateTime(), nullable=False),
    Column("language", String(8), nullable=False),
    # The filters as canonical JSON text, so "the last brief with these filters" is one
    # equality, on every database.
    Column("filters_key", String(1024), nullable=False),
    Column("headline", Text, nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
Index("ix_briefs_ws_created", briefs.c.workspace, briefs.c.created_at)

# A workspace's brief schedules: a cron expression in a zone; ``last_run`` is the fire time
# last handled (claimed with a conditional UPDATE, so two schedulers never run one fire
# time), and fire times at or before ``not_before`` (creation, a change of timing, being
# enabled again) are never run.
brief_schedules = Table(
    "brief_schedules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("cron", String(128), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("period", String(16), nullable=False),
    Column("filters", JSON, nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("not_before", UTCDateTime(), nullable=False),
    Column("last_run", UTCDateTime()),
    Column("last_brief_id", Integer),
    Column("last_error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("workspace", "name", name="uq_brief_schedules_ws_name"),
    # Ids are never reused (SQLite reuses the largest after a delete): a new schedule must
    # not inherit a removed one's briefs as its history.
    sqlite_autoincrement=True,
)

# One row per brief sent to one recipient, written (pending) before the first attempt;
# ``next_attempt_at`` is when the retry loop may take it (a lease while an attempt runs).
brief_deliveries = Table(
    "brief_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("brief_id", Integer, ForeignKey("briefs.id", ondelete="CASCADE"), nullable=False),
    Column("schedule_id", Integer),
    Column("channel", String(16), nullable=False),
    Column("target", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime()),
    Column("last_error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    # Never reused: the id is the X-Hark-Delivery key receivers drop repeats by.
    sqlite_autoincrement=True,
)
Index("ix_brief_deliveries_due", brief_deliveries.c.status, brief_deliveries.c.next_attempt_at)
Index("ix_brief_deliveries_ws_brief", brief_deliveries.c.workspace, brief_deliveries.c.brief_id)

# Every attempt at a delivery; one without ``finished_at`` was cut short (a crash).
brief_delivery_attempts = Table(
    "brief_delivery_attempts",
    metadata,
    Column(
        "delivery_id",
        Integer,
        ForeignKey("brief_deliveries.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("number", Integer, primary_key=True),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("ok", Boolean),
    Column("code", Integer),
    Column("error", Text),
)

# A conversation with Hark's assistant (/v1/conversations, /v1/chat/completions with a
# conversation id): its turns are read against the previous one (ask/followup.py). `key`:
# what a chat platform calls it (a Slack thread, a Telegram chat), unique in the workspace.
conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), nullable=False),
    Column("key", String(200)),
    Column("title", String(200)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("workspace", "key", name="uq_conversations_ws_key"),
    # Never reused: a deleted conversation's id must not bring back someone else's turns.
    sqlite_autoincrement=True,
)
Index("ix_conversations_ws_updated", conversations.c.workspace, conversations.c.updated_at)

# One question and its answer, kept as they were shown: the plan the next turn resolves
# against, the facts, the cited quotes (numbers and quotes stay as answered even if the
# data changes later).
conversation_turns = Table(
    "conversation_turns",
    metadata,
    Column(
        "conversation_id",
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("number", Integer, primary_key=True),
    Column("question", Text, nullable=False),
    Column("plan", JSON, nullable=False),
    Column("answer", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("composer", String(16), nullable=False),
    Column("facts", JSON, nullable=False),
    Column("citations", JSON, nullable=False),
    Column("warnings", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
