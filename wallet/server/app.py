"""The application: mounts every router over one set of services, one error handler."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from issuers import api as issuers_api
from issuers.api.directory import AdminToken
from issuers.api.provided import provide
from issuers.api.rate_limits import RateLimiter
from issuers.clock import Clock, utc_now
from verifiers import api as verifiers_api
from verifiers.web import inspector
from verifiers.web.pages import PublicAddress
from wallet import web
from wallet.accounts import api as api_accounts
from wallet.audit import api as api_audit
from wallet.bundles.api import citizen as api_bundles
from wallet.bundles.api import report as api_bundle_report
from wallet.certificates import api as api_certificates
from wallet.clients import api as api_clients
from wallet.consent import api as api_consent
from wallet.consent.api import pull as api_pull
from wallet.holders import api as api_holders
from wallet.server import demo, docs, heap, metrics, readiness
from wallet.server.body_limit import BodySizeLimit
from wallet.server.error_handlers import install_error_handlers
from wallet.server.head_requests import HeadAsGet
from wallet.server.request_log import RequestLog
from wallet.server.schema import ensure_schema
from wallet.server.settings import Settings, get_settings
from wallet.server.wiring import Services, build_services
from wallet.server.workflows import bundle_workflows


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    prepare: bool = True,
    services: Services | None = None,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """Build the app over ``services`` (built from ``settings`` and ``clock`` unless
    given). ``prepare`` migrates the database (and seeds it in demo mode). ``limiter``:
    the per-client rate limits (unless given, from the settings)."""
    services = services or build_services(settings or get_settings(), clock)
    settings = services.settings
    limiter = limiter or RateLimiter(
        settings.rate_limits, settings.rate_limit_storage, share=settings.rate_limits_shared
    )
    if prepare:
        prepare_database(services)
    engine = services.engine
    workflows = bundle_workflows(services)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # DBOS's synchronous API refuses to run on the event loop: a thread of its own.
        await asyncio.to_thread(workflows.start)
        try:
            yield
        finally:
            await asyncio.to_thread(workflows.stop)
            close_metrics()
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
    app.state.services = services
    provide(
        app,
        *services.provided(),
        AdminToken(admin_token(settings)),
        PublicAddress(settings.public_base_url),
        limiter,
    )
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        overrides={**verifiers_api.BODY_SIZE_OVERRIDES, **inspector.BODY_SIZE_OVERRIDES},
    )
    # Inside HeadAsGet (a HEAD is timed under its GET route), outside the body limit.
    close_metrics = metrics.install(app, services, admin_token(settings))
    app.add_middleware(HeadAsGet)  # HEAD for every GET resource, pages included
    app.add_middleware(RequestLog)  # outermost: one log line per request, X-Request-ID
    install_error_handlers(app)
    app.include_router(verifiers_api.router)
    app.include_router(api_accounts.router)
    app.include_router(api_certificates.router)
    app.include_router(api_holders.router)
    app.include_router(api_audit.router)
    for router in api_consent.routers:
        app.include_router(router)
    app.include_router(api_pull.router)  # pulls of shares, a device's prepare step
    app.include_router(api_clients.router)  # POST /oauth/token
    app.include_router(api_clients.admin_router)
    app.include_router(api_bundles.definitions_router)  # GET /bundles, /bundles/{code}
    app.include_router(api_bundles.router)  # /wallet/bundles/... a citizen's applications
    app.include_router(api_bundle_report.router)  # /admin/bundles/{code}/report(.svg)
    for router in issuers_api.routers:
        app.include_router(router)
    inspector.install(app)  # GET/POST /inspector, /static/inspector
    web.install(app)  # /web/... pages, /static/web, login redirect
    docs.install(app)  # /, /docs, /static/docs

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    readiness.install(app, engine)  # GET /readyz: the database answers, schema at head

    return app


def prepare_database(services: Services) -> None:
    """Migrate to the current schema; in demo mode, seed the sample data (once)."""
    ensure_schema(services.engine)
    if services.settings.demo:
        demo.seed(services.issuance, services.accounts)
        demo.seed_clients(services.clients)


def services_of(app: FastAPI) -> Services:
    """The services ``app`` was built over (for tests and tools that hold the app)."""
    services: Services = app.state.services
    return services


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
    """Factory for ``uvicorn --factory`` workers: the CLI prepared the database already.
    The worker's start-up objects are then frozen out of the collector's walks."""
    app = create_app(prepare=False)
    heap.settle()
    return app
