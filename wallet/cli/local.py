"""The local registry for CLI verbs: the same settings, database and keys as ``serve``;
the engine is closed when the verb is done.

:func:`local_verifier` needs no secret (verifying is public): only the database and
where status lists are published. :func:`local_services` issues, so it needs the
master key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from issuers.clock import Clock, utc_now
from issuers.store.database import make_engine
from verifiers.verdict import VerifierContext
from wallet.cli.fields import UsageError
from wallet.server.schema import ensure_schema, schema_is_current
from wallet.server.settings import PublicSettings, get_settings
from wallet.server.wiring import Services, build_services, build_verifier


@contextmanager
def local_engine(database_url: str, *, migrate: bool = True) -> Iterator[Engine]:
    """An engine on ``database_url`` at the current schema; a database that cannot be
    opened or migrated is a usage error naming it (its password hidden).

    ``migrate=False`` (the public verifier) writes nothing: a SQLite file that does not
    exist is not made, and a schema that is not current is a usage error, not migrated."""
    try:
        url = make_url(database_url)
    except (ArgumentError, ValueError) as exc:
        raise UsageError(f"ELICENSE_DATABASE_URL is not a database URL ({exc})") from None
    shown = url.render_as_string(hide_password=True)
    if not migrate and url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path not in ("", ":memory:") and not Path(path).is_file():
            raise UsageError(
                f"no registry database at {path}: start the service once (scripts/demo)"
                " or set ELICENSE_DATABASE_URL"
            )
    try:
        engine = make_engine(database_url)
    except (ArgumentError, ValueError) as exc:
        raise UsageError(f"ELICENSE_DATABASE_URL is not a database URL ({exc})") from None
    try:
        try:
            if migrate:
                ensure_schema(engine)
            elif not schema_is_current(engine):
                raise UsageError(
                    f"the database {shown} is not at the current schema: start the service"
                    " once, which migrates it"
                )
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise UsageError(f"cannot use the database {shown}: {reason}") from None
        yield engine
    finally:
        engine.dispose()


@contextmanager
def local_services() -> Iterator[Services]:
    """Every service, as ``serve`` builds them (:func:`wallet.server.wiring.build_services`),
    over the configured database at the current schema; demo data seeded in demo mode."""
    settings = get_settings()
    with local_engine(settings.resolved_database_url) as engine:
        services = build_services(settings, engine=engine)
        if settings.demo:
            from wallet.server import demo

            demo.seed(services.issuance)
            demo.seed_clients(services.clients)  # as serve --demo does: clients list shows them
        yield services


@contextmanager
def local_verifier(clock: Clock = utc_now) -> Iterator[VerifierContext]:
    """Verify as the server does (:func:`wallet.server.wiring.build_verifier`: the trust
    cache, replay guard and clock skew it is configured with), with no master key and no
    admin token: only the database and the public base URL its status lists live at."""
    settings = PublicSettings()  # read per verb: a verifier holds no secret to cache
    with local_engine(settings.resolved_database_url, migrate=False) as engine:
        yield build_verifier(settings, engine, clock)
