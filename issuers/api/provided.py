"""Services reach routes through typed FastAPI dependencies.

The app shell builds its services once (``wallet.server.wiring``) and registers them
with :func:`provide`. A route asks for one by its type, through an ``Annotated`` alias
declared next to the routes that use it::

    Issuance = Annotated[IssuanceService, Depends(provided(IssuanceService))]

Routes reach ``app.state`` only through here: none looks a service up by name, and a
service that was not registered is a startup bug (:class:`LookupError`), never ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request

__all__ = ["provide", "provided"]

T = TypeVar("T")


def provide(app: FastAPI, *services: object) -> None:
    """Register ``services`` with ``app``, each under its own class."""
    registry: dict[type[Any], object] = {type(service): service for service in services}
    app.state.provided = registry


_dependencies: dict[type[Any], Callable[[Request], Any]] = {}


def provided(kind: type[T]) -> Callable[[Request], T]:
    """The dependency that hands a route the app's ``kind`` (one function per kind, so
    FastAPI resolves it once per request and a test may override it)."""
    dependency: Callable[[Request], T] | None = _dependencies.get(kind)
    if dependency is None:
        dependency = _dependencies.setdefault(kind, _dependency_for(kind))
    return dependency


def _dependency_for(kind: type[T]) -> Callable[[Request], T]:
    def dependency(request: Request) -> T:
        registry: dict[type[Any], object] = request.app.state.provided
        service = registry.get(kind)
        if not isinstance(service, kind):
            raise LookupError(f"no {kind.__name__} was provided to this app")
        return service

    dependency.__name__ = f"provided_{kind.__name__}"
    return dependency
