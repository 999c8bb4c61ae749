"""The audit log's store: its tables (:mod:`.tables`) and every query over them
(:class:`AuditStore`)."""

from wallet.audit.store._store import AuditStore

__all__ = ["AuditStore"]
