"""Where evidence records live: the local Parquet store (the embedded default)."""

from uitlegbaar.store.local import LocalStore, RunSummary, StoredRecord

__all__ = ["LocalStore", "RunSummary", "StoredRecord"]
