"""index write sequence: mentions.indexed_seq and index_epochs, for in-memory index mirrors

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("indexed_seq", sa.Integer(), nullable=True))
        batch_op.create_index("ix_mentions_ws_seq", ["workspace", "indexed_seq"], unique=False)
    op.create_table(
        "index_epochs",
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace"),
    )
    # Mentions indexed before this revision get sequence 0 and are loaded on first use.
    op.execute("UPDATE mentions SET indexed_seq = 0 WHERE indexed_hash IS NOT NULL")


def downgrade() -> None:
    op.drop_table("index_epochs")
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_mentions_ws_seq")
        batch_op.drop_column("indexed_seq")
