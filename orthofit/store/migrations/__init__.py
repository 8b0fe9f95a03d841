"""Alembic's numbered migrations of the clinic store (run by :mod:`orthofit.store.upgrade`)."""
