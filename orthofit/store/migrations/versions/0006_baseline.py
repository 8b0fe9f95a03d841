"""Schema 6, the first under Alembic: what SQLite stores of orthofit 0.x reached by 6 steps.

A new store (SQLite or PostgreSQL) starts here. An SQLite store made before Alembic is brought
to schema 6 by its own numbered steps (:data:`orthofit.store.schema.MIGRATIONS`) and stamped
with this revision; the tables are the same (a test compares them column by column).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("birth_date", sa.Text),
        sa.Column("sex", sa.Text),
        sa.Column("shoe_size", sa.Text),
        sa.Column("activity", sa.Text),
        sa.Column("conditions", sa.Text, nullable=False, server_default="[]"),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("updated", sa.Text, nullable=False),
        sa.Column("weight_kg", sa.Float),
        sa.Column("referrer", sa.Text),
    )
    op.create_index("patients_name", "patients", ["last_name", "first_name"])
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("date", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("visits_patient", "visits", ["patient_id", "date"])
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id", ondelete="CASCADE")),
        sa.Column("sha256", sa.Text, nullable=False, unique=True),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("frames", sa.Integer, nullable=False),
        sa.Column("recorded", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("kiosk_code", sa.Text),
        sa.Column("kiosk_name", sa.Text),
    )
    op.create_index("scans_kiosk", "scans", ["kiosk_code"],
                    sqlite_where=sa.text("visit_id IS NULL"),
                    postgresql_where=sa.text("visit_id IS NULL"))
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("original", sa.Text, nullable=False),
        sa.Column("edited", sa.Text),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("updated", sa.Text, nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("created", sa.Text, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("entity_id", sa.Integer),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "kiosk_codes",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created", sa.Text, nullable=False),
    )
    op.create_table(
        "pin_lockout",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.Float, nullable=False, server_default="0"),
    )
