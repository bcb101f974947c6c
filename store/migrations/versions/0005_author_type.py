"""mentions.author_type: "customer" or "brand" (official/support accounts), so brand replies
can be left out of customer counts; NULL, as every existing row gets, reads as customer

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column with no default: an instant ALTER on PostgreSQL, and existing rows read
    # as customers until `hark reenrich` classifies them.
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_type", sa.String(length=16), nullable=True))
    op.create_index(
        "ix_mentions_ws_author_type", "mentions", ["workspace", "author_type"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_mentions_ws_author_type", table_name="mentions")
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_column("author_type")
