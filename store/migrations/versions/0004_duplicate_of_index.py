"""index mentions.duplicate_of: copy counts are read with every hydrated mention, and
ON DELETE SET NULL walks it

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mentions_duplicate_of", "mentions", ["duplicate_of"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mentions_duplicate_of", table_name="mentions")
