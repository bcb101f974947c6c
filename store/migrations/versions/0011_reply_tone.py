"""workspace_settings.reply_tone and reply_signature: how a workspace's reply drafts are
worded (free-text guidance) and signed; NULL, as every existing row gets, means no guidance
and no signature

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns without a default: an instant ALTER on PostgreSQL, nothing rewritten.
    with op.batch_alter_table("workspace_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_tone", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reply_signature", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspace_settings", schema=None) as batch_op:
        batch_op.drop_column("reply_signature")
        batch_op.drop_column("reply_tone")
