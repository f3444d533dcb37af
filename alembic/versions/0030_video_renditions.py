"""catalog: video_renditions, each online-only video cut into HLS (playlist and segments
in storage) once per content, with the job's status

Revision ID: 0030
Revises: 0028
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("pending", "ready", "failed")


def upgrade() -> None:
    op.create_table(
        "video_renditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("prefix", sa.String(length=255), nullable=True),
        sa.Column("segment_count", sa.Integer(), nullable=False),
        sa.Column("transcoded", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in STATUSES)), name="ck_video_renditions_status"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )


def downgrade() -> None:
    op.drop_table("video_renditions")
