"""Signing on several processes for a bulk import, one writer (:mod:`bulk_import`).

A batch mint spends most of its time signing (COSE_Sign1 with Ed25519, zlib, Base45:
:func:`batch_mint.seal_payloads`); the database writes are a small part. With
``workers`` processes the batch's claims are cut into one slice per worker and signed
there while the writer's transaction waits, then inserted by the writer as usual.

The issuer's private key reaches the workers as PKCS #8 bytes over the pool's pipe
(local, never written anywhere); each worker opens it once and keeps it while the pool
lives. Workers are spawned (not forked), so they hold no copy of the writer's
database connections.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from issuers.crypto.keys import SigningKey
from issuers.store.batch_mint import seal_payloads

__all__ = ["SealingPool"]

_OPENED: dict[bytes, SigningKey] = {}  # in a worker: the keys it was sent, opened


def _seal(pkcs8: bytes, payloads: list[bytes]) -> list[str]:
    key = _OPENED.get(pkcs8)
    if key is None:
        key = _OPENED[pkcs8] = SigningKey.from_pkcs8(pkcs8)
    return seal_payloads(key, payloads)


class SealingPool:
    """A :data:`batch_mint.Sealer` that signs on ``workers`` processes."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(workers, mp_context=context)

    def __call__(self, key: SigningKey, payloads: Sequence[bytes]) -> list[str]:
        pkcs8 = key.to_pkcs8()
        step = -(-len(payloads) // self._workers)
        slices = [list(payloads[i : i + step]) for i in range(0, len(payloads), step)]
        futures = [self._pool.submit(_seal, pkcs8, part) for part in slices]
        return [text for future in futures for text in future.result()]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SealingPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
