"""Schema 7: several workstations on one store.

Row versions on patients and proposals (a save names the version it started from, so two desktops
never silently overwrite each other), who saved last, the workstation in the audit trail, and the
contents of scans and reports in the database for stores on a server. On PostgreSQL every row
added to the audit trail (every change) is announced on the channel ``orthofit`` (NOTIFY), so
that every open desktop sees a scan filed elsewhere at once (:mod:`orthofit.store.changes`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    for table in ("patients", "proposals"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("row_version", sa.Integer, nullable=False,
                                       server_default="1"))
            batch.add_column(sa.Column("updated_by", sa.Text, nullable=False,
                                       server_default=""))
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("workstation", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION orthofit_announce() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('orthofit', json_build_object(
                    'id', NEW.id, 'action', NEW.action, 'entity', NEW.entity,
                    'entity_id', NEW.entity_id, 'workstation', NEW.workstation)::text);
                RETURN NEW;
            END $$""")
        op.execute("CREATE TRIGGER audit_announce AFTER INSERT ON audit FOR EACH ROW "
                   "EXECUTE FUNCTION orthofit_announce()")
