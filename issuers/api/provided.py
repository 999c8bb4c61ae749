"""Services reach routes through typed FastAPI dependencies.

The app shell builds its services once (``wallet.server.wiring``) and registers them
with :func:`provide`. A route asks for one by its type, through an ``Annotated`` alias
declared next to the routes that use it::

    Issuance = Annotated[IssuanceService, Depends(provided(IssuanceService))]

Routes reach ``app.state`` only through here: none looks a service up by name, and a
service that was not registered is a startup bug (:class:`LookupError`), never ``None``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request

__all__ = ["provide", "provided", "service_of"]

T = TypeVar("T")


def provide(app: FastAPI, *services: object) -> None:
    """Register ``services`` with ``app``, each under its own class."""
    registry: dict[type[Any], object] = {type(service): service for service in services}
    app.state.provided = registry


_dependencies: dict[type[Any], Callable[[Request], Awaitable[Any]]] = {}


def provided(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """The dependency that hands a route the app's ``kind`` (one function per kind, so
    FastAPI resolves it once per request and a test may override it)."""
    dependency: Callable[[Request], Awaitable[T]] | None = _dependencies.get(kind)
    if dependency is None:
        dependency = _dependencies.setdefault(kind, _dependency_for(kind))
    return dependency


def service_of(request: Request, kind: type[T]) -> T:
    """The app's ``kind``, for code that holds a request outside FastAPI's injection."""
    registry: dict[type[Any], object] = request.app.state.provided
    service = registry.get(kind)
    if not isinstance(service, kind):
        raise LookupError(f"no {kind.__name__} was provided to this app")
    return service


def _dependency_for(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    # A coroutine, so FastAPI runs this dictionary lookup on the event loop: a plain
    # ``def`` dependency is sent to the thread pool, one hand-off per service per
    # request, which under load costs more than the route's own work (the GIL passes
    # between the pool's threads).
    async def dependency(request: Request) -> T:
        return service_of(request, kind)

    dependency.__name__ = f"provided_{kind.__name__}"
    return dependency
