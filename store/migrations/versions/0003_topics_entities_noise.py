"""enrichment storage: versioned catalogs, aspect-level topics, entities, noise, discovery

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The JSON list columns were never filled; topics and entities get tables of their own so
    # analytics can group by them in SQL on SQLite and PostgreSQL alike.
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_column("topics")
        batch_op.drop_column("entities")
        batch_op.add_column(sa.Column("noise", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("topics_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("entities_version", sa.Integer(), nullable=True))
    op.create_table(
        "catalogs",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace", "kind", "version"),
    )
    op.create_table(
        "mention_topics",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("taxonomy_version", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("clause", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", "taxonomy_version", "topic"),
    )
    op.create_index(
        "ix_mention_topics_ws_topic",
        "mention_topics",
        ["workspace", "taxonomy_version", "topic"],
        unique=False,
    )
    op.create_table(
        "mention_entities",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=128), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("main", sa.Boolean(), nullable=False),
        sa.Column("surface", sa.String(length=256), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", "entity"),
    )
    op.create_index(
        "ix_mention_entities_ws_entity", "mention_entities", ["workspace", "entity"], unique=False
    )
    op.create_table(
        "discovered_topics",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("run", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("taxonomy_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=256), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("quote_ids", sa.JSON(), nullable=False),
        sa.Column("member_ids", sa.JSON(), nullable=False),
        sa.Column("cohesion", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("promoted_as", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("workspace", "run", "key"),
    )


def downgrade() -> None:
    op.drop_table("discovered_topics")
    op.drop_index("ix_mention_entities_ws_entity", table_name="mention_entities")
    op.drop_table("mention_entities")
    op.drop_index("ix_mention_topics_ws_topic", table_name="mention_topics")
    op.drop_table("mention_topics")
    op.drop_table("catalogs")
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_column("entities_version")
        batch_op.drop_column("topics_version")
        batch_op.drop_column("noise")
        batch_op.add_column(sa.Column("entities", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("topics", sa.JSON(), nullable=False, server_default="[]"))
