"""The clinic store (SQLite in a folder, or PostgreSQL on the clinic's server); no Qt."""

from orthofit.store.store import (
    ConflictError,
    Store,
    StoreError,
    StoreUnavailable,
    default_folder,
    visit_code,
)

__all__ = ["ConflictError", "Store", "StoreError", "StoreUnavailable", "default_folder",
           "visit_code"]
