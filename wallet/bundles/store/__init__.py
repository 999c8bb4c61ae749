"""The bundle store: applications, their parties, items and timeline (see
:mod:`wallet.bundles.store.tables`). The service opens a transaction and passes its
connection to each call, so a state change and its timeline event commit together."""

from __future__ import annotations

from wallet.bundles.store._store import BundleStore

__all__ = ["BundleStore"]
