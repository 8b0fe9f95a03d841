"""The clinic store (SQLite and the scan files beside it); no Qt."""

from orthofit.store.store import Store, StoreError, default_folder, visit_code

__all__ = ["Store", "StoreError", "default_folder", "visit_code"]
