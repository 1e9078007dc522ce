"""A migration used only by the kill-during-migration test: it pauses half-way."""

import sys
import time

import sqlalchemy as sa
from alembic import op

from storage.migrate import head_revision

revision = "9999_slow_fault"
down_revision = head_revision()  # always on top of the real migrations
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("INSERT INTO half_done (id) VALUES (1)")
    print("MIGRATING", flush=True)
    sys.stdout.flush()
    time.sleep(60)
    op.create_table("never_reached", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("never_reached")
    op.drop_table("half_done")
