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
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from issuers.clock import Clock, utc_now
from issuers.errors import SchemaUnknown
from issuers.store.database import make_engine
from verifiers.verdict import VerifierContext
from wallet.cli.fields import UsageError
from wallet.server.schema import behind_message, ensure_schema, schema_state
from wallet.server.settings import PublicSettings, get_settings
from wallet.server.wiring import Services, build_services, build_verifier


def _parsed(database_url: str) -> tuple[URL, str]:
    try:
        url = make_url(database_url)
    except (ArgumentError, ValueError) as exc:
        raise UsageError(f"ELICENSE_DATABASE_URL is not a database URL ({exc})") from None
    return url, url.render_as_string(hide_password=True)


def _refuse_missing_file(url: URL) -> None:
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path not in ("", ":memory:") and not Path(path).is_file():
            raise UsageError(
                f"no registry database at {path}: run `elicense db upgrade` (or start the"
                " demo once: scripts/demo), or set ELICENSE_DATABASE_URL"
            )


@contextmanager
def database_errors(shown: str) -> Iterator[None]:
    """A database that cannot be opened or used (or whose schema is newer than this
    release: :class:`SchemaUnknown`), as a usage error naming it."""
    try:
        yield
    except SchemaUnknown as exc:
        raise UsageError(exc.message) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise UsageError(f"cannot use the database {shown}: {reason}") from None


@contextmanager
def _opened(database_url: str) -> Iterator[Engine]:
    try:
        engine = make_engine(database_url)
    except (ArgumentError, ValueError) as exc:
        raise UsageError(f"ELICENSE_DATABASE_URL is not a database URL ({exc})") from None
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def local_engine(database_url: str, *, migrate: bool = True) -> Iterator[Engine]:
    """An engine on ``database_url`` at the current schema; a database that cannot be
    opened or migrated is a usage error naming it (its password hidden).

    ``migrate=False`` (the public verifier, ``serve`` and ``worker`` outside demo mode)
    writes nothing: a SQLite file that does not exist is not made, and a schema that is
    not current is a usage error naming ``elicense db upgrade``, not migrated."""
    url, shown = _parsed(database_url)
    if not migrate:
        _refuse_missing_file(url)
    with _opened(database_url) as engine:
        with database_errors(shown):
            if migrate:
                ensure_schema(engine)
            else:
                state = schema_state(engine)
                if not state.at_head:
                    raise UsageError(behind_message(state, shown))
        yield engine


@contextmanager
def database_engine(*, create: bool = True) -> Iterator[tuple[Engine, str]]:
    """The configured database as it is (no migration, no master key needed), and its
    URL to show (password hidden), for ``elicense db``; what fails in the block is a
    usage error naming it. ``create=False``: a SQLite file that does not exist is a
    usage error, not made."""
    database_url = PublicSettings().resolved_database_url
    url, shown = _parsed(database_url)
    if not create:
        _refuse_missing_file(url)
    with _opened(database_url) as engine, database_errors(shown):
        yield engine, shown


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
