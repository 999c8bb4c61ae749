"""One service wiring: every service the app and the CLI use, built in one place.

:func:`build_services` makes them from settings and a clock; :func:`create_app
<wallet.server.app.create_app>`, the CLI's verbs and the tests all call it, so the
verifier a CLI verb uses checks what the server's checks (trust cache, replay guard,
clock skew, retired holder keys). :func:`build_verifier` is the public part: it needs
no master key, so ``elicense verify`` runs without one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from issuers.clock import Clock, utc_now
from issuers.crypto.keys import Algorithm
from issuers.metrics.prometheus import Metrics
from issuers.store.database import make_engine
from issuers.store.issuance import IssuanceService
from issuers.store.key_resolver import DatabaseKeyResolver
from issuers.store.publication import PublicationService
from issuers.store.replay_guard import DatabaseReplayGuard
from issuers.store.sd_jwt_issuer import SdJwtIssuer
from issuers.store.status_checker import DatabaseStatusChecker
from verifiers.offline.synced import SyncedCache, recognition_context
from verifiers.verdict import VerifierContext
from wallet.accounts.service import AccountService
from wallet.accounts.store import AccountStore
from wallet.audit.service import AuditService
from wallet.audit.store import AuditStore
from wallet.bundles.consent_items import consent_items
from wallet.bundles.definitions import load_definitions
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.service import BundleService
from wallet.bundles.store import BundleStore
from wallet.certificates.service import CertificateService
from wallet.certificates.store import CertificateStore
from wallet.clients.service import ClientService
from wallet.clients.store import ClientStore
from wallet.consent.items import load_bundle_items
from wallet.consent.pull import PullService
from wallet.consent.service import ConsentService
from wallet.consent.shares import ShareService
from wallet.consent.store import ConsentStore
from wallet.consent.store.share_store import ShareStore
from wallet.holders.keyring import HolderKeyring
from wallet.holders.presentations import PresentationService
from wallet.holders.store import HolderStore, RetiredHolderKeys
from wallet.server.settings import PublicSettings, Settings

__all__ = ["Services", "build_services", "build_verifier"]


@dataclass(frozen=True)
class Services:
    """Everything the routes and verbs are handed; one engine under all of them."""

    settings: Settings
    engine: Engine
    clock: Clock
    issuance: IssuanceService
    publication: PublicationService
    verifier: VerifierContext
    accounts: AccountService
    certificates: CertificateService
    keyring: HolderKeyring
    presentations: PresentationService
    audit: AuditService
    consent: ConsentService
    clients: ClientService
    sd_jwt_issuer: SdJwtIssuer
    shares: ShareService
    pulls: PullService
    bundles: BundleService
    metrics: Metrics  # what /metrics reports; every service above records into it

    def provided(self) -> tuple[object, ...]:
        """The services routes ask for by type."""
        return (
            self.issuance,
            self.publication,
            self.verifier,
            self.accounts,
            self.certificates,
            self.keyring,
            self.presentations,
            self.audit,
            self.consent,
            self.clients,
            self.sd_jwt_issuer,
            self.shares,
            self.pulls,
            self.bundles,
        )


def build_services(
    settings: Settings,
    clock: Clock = utc_now,
    *,
    engine: Engine | None = None,
    bundles: Mapping[str, BundleDefinition] | None = None,
    metrics: Metrics | None = None,
) -> Services:
    """Every service over one engine (made from ``settings`` unless given). Builds
    objects only: nothing is migrated or seeded here (:func:`wallet.server.app.prepare`).
    ``bundles``: other bundle definitions than the sample files' (tests, the benchmark);
    their items join the consent items. ``metrics``: a fresh registry unless given."""
    engine = engine or make_engine(settings.resolved_database_url)
    metrics = metrics or Metrics()
    master_key = settings.master_key_bytes()
    holder_store = HolderStore(engine)
    keyring = HolderKeyring(holder_store, master_key, clock, alg=Algorithm(settings.holder_key_alg))
    issuance = IssuanceService(
        engine, master_key, clock, public_base_url=settings.public_base_url,
        holder_keys=keyring, metrics=metrics,
    )  # fmt: skip
    audit = AuditService(
        AuditStore(engine), clock, master_key, platform_alg=Algorithm(settings.platform_key_alg)
    )
    # The sample files, checked (a bad file stops the start, naming file and field).
    definitions = load_definitions() if bundles is None else bundles
    bundle_items = {**load_bundle_items(), **consent_items(bundles or {})}
    consent = ConsentService(ConsentStore(engine), bundle_items, audit, clock)
    sd_jwt_issuer = SdJwtIssuer(issuance)
    share_store = ShareStore(engine)
    shares = ShareService(share_store, sd_jwt_issuer, keyring, master_key)
    consent.use_preparer(shares)  # each approval issues and binds its shares
    bundle_service = BundleService(BundleStore(engine), definitions, clock, consent=consent)
    consent.on_decision(bundle_service.consent_decided)  # wakes the waiting application
    consent.on_decision(lambda request: metrics.consent_decided(request.stored_state))
    return Services(
        settings=settings,
        engine=engine,
        clock=clock,
        issuance=issuance,
        publication=PublicationService(
            issuance, master_key, clock, anchor_alg=Algorithm(settings.anchor_alg)
        ),
        verifier=dataclasses.replace(build_verifier(settings, engine, clock), metrics=metrics),
        accounts=AccountService(AccountStore(engine), clock),
        certificates=CertificateService(CertificateStore(engine)),
        keyring=keyring,
        presentations=PresentationService(
            holder_store,
            issuance,
            keyring,
            clock,
            lifetime=timedelta(seconds=settings.presentation_seconds),
        ),
        audit=audit,
        consent=consent,
        clients=ClientService(
            ClientStore(engine),
            clock,
            token_endpoint_url=settings.public_base_url.rstrip("/") + "/oauth/token",
            bundle_items=bundle_items.keys(),
            token_lifetime=timedelta(seconds=settings.client_token_seconds),
        ),
        sd_jwt_issuer=sd_jwt_issuer,
        shares=shares,
        pulls=PullService(
            share_store,
            consent,
            shares,
            sd_jwt_issuer,
            audit,
            audit.signing_key,  # one platform key signs checkpoints and annotations
            clock,
            public_base_url=settings.public_base_url,
            metrics=metrics,
        ),
        bundles=bundle_service,
        metrics=metrics,
    )


def build_verifier(settings: PublicSettings, engine: Engine, clock: Clock) -> VerifierContext:
    """Our own registry; with ``trust_cache_dir``, then the regions synced into it.

    A presentation signed by a holder key this server retired (a lost phone) is refused
    at once, whichever copy it signs over; with single-use presentations, each is
    accepted once across every worker process (the guard is in the database)."""
    keys = DatabaseKeyResolver(engine)
    status = DatabaseStatusChecker(engine, settings.public_base_url, settings.status_cache_seconds)
    replay = DatabaseReplayGuard(engine, clock=clock) if settings.single_use_presentations else None
    skew = timedelta(seconds=settings.presentation_skew_seconds)
    holder_keys = RetiredHolderKeys(engine)
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
