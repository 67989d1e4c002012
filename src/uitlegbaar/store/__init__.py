"""Where evidence records live: the `Store` protocol, the local Parquet store (the embedded default), and
verification of its hash chains."""

from uitlegbaar.store.local import LocalStore
from uitlegbaar.store.protocol import Problem, RunSummary, Store, VerifyReport

__all__ = ["LocalStore", "Problem", "RunSummary", "Store", "VerifyReport"]
