"""labels a workspace can trust: class probabilities and the origin of each mention's
sentiment (for bias-corrected counts), users' label corrections, and versioned per-workspace
models refit from them

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("p_negative", sa.Float(), nullable=True))
        batch.add_column(sa.Column("p_neutral", sa.Float(), nullable=True))
        batch.add_column(sa.Column("p_positive", sa.Float(), nullable=True))
        batch.add_column(sa.Column("sentiment_origin", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("sentiment_model", sa.String(length=64), nullable=True))
    op.create_table(
        "label_corrections",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("model_value", sa.JSON(), nullable=True),
        sa.Column("author", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", "field"),
    )
    op.create_index("ix_label_corrections_ws_field", "label_corrections", ["workspace", "field"])
    op.create_table(
        "workspace_models",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace", "kind", "version"),
    )


def downgrade() -> None:
    op.drop_table("workspace_models")
    op.drop_index("ix_label_corrections_ws_field", table_name="label_corrections")
    op.drop_table("label_corrections")
    with op.batch_alter_table("mentions") as batch:
        for name in (
            "sentiment_model",
            "sentiment_origin",
            "p_positive",
            "p_neutral",
            "p_negative",
        ):
            batch.drop_column(name)
