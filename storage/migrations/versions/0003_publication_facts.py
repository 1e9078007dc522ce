"""documents: 成文日期 (written_on), 来源 (publisher), 主题分类 (subject)

Revision ID: 0003_publication_facts
Revises: 0002_fetch_state
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_publication_facts"
down_revision = "0002_fetch_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("written_on", sa.Date()))
        batch.add_column(sa.Column("publisher", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("subject", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("subject")
        batch.drop_column("publisher")
        batch.drop_column("written_on")
