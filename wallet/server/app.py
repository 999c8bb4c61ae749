"""The application: mounts every router, wires the stores, one error handler."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from issuers import api as issuers_api
from issuers.store.database import make_engine
from issuers.store.issuance import IssuanceService
from issuers.store.key_resolver import DatabaseKeyResolver
from issuers.store.publication import PublicationService
from issuers.store.replay_guard import DatabaseReplayGuard
from issuers.store.schema import ensure_schema
from issuers.store.status_checker import DatabaseStatusChecker
from verifiers import api as verifiers_api
from verifiers.offline.synced import SyncedCache, recognition_context
from verifiers.presentation import HolderKeyStatus
from verifiers.verdict import VerifierContext
from verifiers.web import inspector
from wallet import web
from wallet.accounts import api as api_accounts
from wallet.accounts.service import AccountService
from wallet.holders import api as api_holders
from wallet.holders.keyring import HolderKeyring, RetiredHolderKeys
from wallet.holders.presentations import PresentationService
from wallet.server import demo, docs
from wallet.server.body_limit import BodySizeLimit
from wallet.server.error_handlers import install_error_handlers
from wallet.server.head_requests import HeadAsGet
from wallet.server.settings import Settings, get_settings

log = logging.getLogger("elicense")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None, *, clock: Clock = system_clock, prepare: bool = True
) -> FastAPI:
    """Build the app. ``prepare`` migrates the database (and seeds it in demo mode)."""
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url)
    keyring = HolderKeyring(engine, settings.master_key_bytes(), clock)
    service = IssuanceService(
        engine,
        settings.master_key_bytes(),
        clock,
        public_base_url=settings.public_base_url,
        holder_keys=keyring,
    )
    accounts = AccountService(engine, clock)
    if prepare:
        ensure_schema(engine)
        if settings.demo:
            demo.seed(service, accounts)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="elicense",
        version="0.1.0",
        summary="Electronic licences and certificates: issue, hold, show, verify.",
        # wallet.server.docs serves /docs from a packaged Swagger UI, with the pages' headers.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.issuance = service
    app.state.publication = PublicationService(service, settings.master_key_bytes(), clock)
    app.state.admin_token = admin_token(settings)
    app.state.verifier = verifier_context(
        settings, engine, clock, holder_keys=RetiredHolderKeys(engine)
    )
    app.state.accounts = accounts
    app.state.keyring = keyring
    app.state.presentations = PresentationService(
        engine,
        service,
        keyring,
        clock,
        lifetime=timedelta(seconds=settings.presentation_seconds),
    )
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        overrides={**verifiers_api.BODY_SIZE_OVERRIDES, **inspector.BODY_SIZE_OVERRIDES},
    )
    app.add_middleware(HeadAsGet)  # HEAD for every GET resource, pages included
    install_error_handlers(app)
    app.include_router(verifiers_api.router)
    app.include_router(api_accounts.router)
    app.include_router(api_holders.router)
    for router in issuers_api.routers:
        app.include_router(router)
    inspector.install(app)  # GET/POST /inspector, /static/inspector
    web.install(app)  # /web/... pages, /static/web, login redirect
    docs.install(app)  # /, /docs, /static/docs

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def verifier_context(
    settings: Settings, engine: Engine, clock: Clock, *, holder_keys: HolderKeyStatus | None = None
) -> VerifierContext:
    """Our own registry; with ``trust_cache_dir``, then the regions synced into it.
    ``holder_keys``: the holder keys this server made, so that a presentation signed by
    one it retired (a lost phone) is refused at once, whichever copy it signs over."""
    keys = DatabaseKeyResolver(engine)
    status = DatabaseStatusChecker(engine, settings.public_base_url, settings.status_cache_seconds)
    # In the database, not in memory: every worker process must see every scan.
    replay = DatabaseReplayGuard(engine, clock=clock) if settings.single_use_presentations else None
    skew = timedelta(seconds=settings.presentation_skew_seconds)
    if settings.trust_cache_dir is None:
        return VerifierContext(
            keys, clock, status, replay=replay, skew=skew, holder_keys=holder_keys
        )
    cache = SyncedCache.configured(
        settings.trust_cache_dir,
        settings.trust_anchors,  # out of band: never the anchors a sync left in the cache
        clock=clock,
        stale_policy=settings.stale_policy,
    )
    return dataclasses.replace(
        recognition_context(keys, status, cache, clock),
        replay=replay,
        skew=skew,
        holder_keys=holder_keys,
    )


def admin_token(settings: Settings) -> str | None:
    """The admin token; in demo mode one is made and kept under ``data_dir``."""
    if settings.admin_token is not None:
        return settings.admin_token.get_secret_value()
    if not settings.demo:
        return None
    path: Path = settings.data_dir / "demo-admin-token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers: the CLI prepared the database already."""
    return create_app(prepare=False)
