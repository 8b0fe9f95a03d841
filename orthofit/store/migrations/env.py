"""Alembic's entry: migrations run on the connection :mod:`orthofit.store.upgrade` hands over.

orthofit never lets Alembic open a database of its own: the store opens it (with its file modes,
its locks, its roles) and passes the connection in ``config.attributes["connection"]``, inside
the transaction that takes the upgrade lock.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
