"""The consent feature's database adapter.

:class:`ConsentStore` hands the service its transactions and runs every statement in
them, answering in records (:mod:`wallet.consent.records`), never rows. The tables are
in :mod:`wallet.consent.store.tables`; nothing outside this package writes them.
"""

from wallet.consent.store._store import ConsentStore

__all__ = ["ConsentStore"]
