"""The holders' database adapter: holder keys and the copy each holder presents.

:class:`HolderStore` runs every transaction the holders' services need and answers in
records (:mod:`wallet.holders.records`), never rows; :class:`RetiredHolderKeys` tells
the verifier which holder keys were retired here; :func:`resign_copies` is the demo's
way to re-sign the copies. The tables are in :mod:`wallet.holders.store.tables`, which
nothing outside this package writes.
"""

from wallet.holders.store._queries import resign_copies
from wallet.holders.store._store import HolderStore, KeyFor, RetiredHolderKeys

__all__ = ["HolderStore", "KeyFor", "RetiredHolderKeys", "resign_copies"]
