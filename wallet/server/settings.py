"""Settings, read once from the environment (prefix ``ELICENSE_``) by :func:`get_settings`.

Outside demo mode the settings refuse to be unsafe: no master key, or a master key
that is too short, stops the service from starting. Demo mode (``serve --demo``)
creates a master key under ``./var/`` and says so. Nothing here runs at import time.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from issuers.api.rate_limits import parse_limits
from issuers.crypto import sm2
from issuers.errors import SettingsError

DEFAULT_DATA_DIR = Path("var")
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
DEMO_ADDRESS_FILE = "demo-public-base-url"


class PublicSettings(BaseSettings):
    """What verifying needs: where the registry is and where its lists are published.
    No secret: ``elicense verify`` runs with these alone (verifying is public)."""

    model_config = SettingsConfigDict(env_prefix="ELICENSE_", extra="ignore")

    demo: bool = False
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    public_base_url: str = Field(
        default=DEFAULT_PUBLIC_BASE_URL,
        description=(
            "Where status references point. In demo mode, unless set: the address"
            " `serve --demo` last served on (recorded in the data directory)."
        ),
    )
    status_cache_seconds: float = Field(
        default=1.0, ge=0, description="How long an online verifier holds a status list."
    )

    single_use_presentations: bool = Field(
        default=False, description="Refuse a second scan of the same live presentation."
    )
    presentation_skew_seconds: int = Field(
        default=30,
        ge=0,
        le=300,
        description="Clock difference tolerated between a phone and this verifier.",
    )
    trust_cache_dir: Path | None = Field(
        default=None,
        description=(
            "An `elicense sync` cache: POST /verify also recognises the regions whose trust"
            " lists it holds (互认), and picks up each new sync without a restart."
        ),
    )
    trust_anchors: Path | None = Field(
        default=None,
        description=(
            "The trust anchors the lists in ELICENSE_TRUST_CACHE_DIR must verify against:"
            " a JSON file (GET /trust/anchors saved whole, obtained out of band), outside"
            " that directory. Required with it."
        ),
    )
    stale_policy: Literal["refuse", "warn"] = Field(
        default="refuse",
        description=(
            "A synced status list past its ttl or exp: refuse (status_list_expired) or"
            " answer from it with a warning."
        ),
    )

    @model_validator(mode="after")
    def _check_trust_anchors(self) -> Self:
        """A synced cache is only as trustworthy as the anchors it is checked against,
        and those must not be files that whoever writes the cache can write."""
        if self.trust_cache_dir is None:
            return self
        if self.trust_anchors is None:
            raise ValueError(
                "ELICENSE_TRUST_CACHE_DIR needs ELICENSE_TRUST_ANCHORS: the file of trust"
                " anchors (GET /trust/anchors saved whole, obtained out of band) its lists"
                " must verify against"
            )
        anchors, cache = self.trust_anchors.resolve(), self.trust_cache_dir.resolve()
        if anchors == cache or cache in anchors.parents:
            raise ValueError(
                "ELICENSE_TRUST_ANCHORS lies inside ELICENSE_TRUST_CACHE_DIR, which sync"
                " writes: keep the anchors file elsewhere"
            )
        return self

    @model_validator(mode="after")
    def _demo_address(self) -> Self:
        # A demo's CLI verbs run in other processes than its server: they mint and check
        # status at the address the server recorded, not at a default nobody serves.
        if self.demo and "public_base_url" not in self.model_fields_set:
            recorded = read_demo_address(self.data_dir)
            if recorded is not None:
                self.public_base_url = recorded
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'elicense.db'}"


class Settings(PublicSettings):
    """Everything ``serve`` and the issuing verbs need, secrets included."""

    master_key: SecretStr | None = Field(
        default=None, description="32+ random bytes, base64 (standard or URL-safe)."
    )
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for issuer administration endpoints."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description=(
            "Bearer token that reads GET /metrics and nothing else (a Prometheus scraper's);"
            " the admin token reads it too. Neither set: /metrics is closed (401)."
        ),
    )
    max_request_bytes: int = 64 * 1024
    presentation_seconds: int = Field(
        default=60,
        ge=1,
        le=300,
        description="How long a live presentation (亮证) QR is valid before it goes stale.",
    )
    client_token_seconds: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="How long a service client's access token (POST /oauth/token) lasts.",
    )
    worker_id: str = Field(
        default="local",
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description=(
            "This process's executor id for the bundle workflows (DBOS): a worker restarted"
            " with the same id recovers the workflows its predecessor left half done."
            " Give every concurrently running worker its own."
        ),
    )
    inprocess_workers: bool | None = Field(
        default=None,
        description=(
            "`elicense serve` also runs the bundle workflows (one uvicorn worker only)."
            " Unset: on in demo mode, off otherwise (run `elicense worker` processes)."
        ),
    )
    rate_limits: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Per-client rate limits by route group, in the `limits` string syntax, JSON:"
            ' `{"verify": "20/second;600/minute", "pull": "50/second"}`. Groups: verify,'
            " verify_image, login, token_address, token, pull; a group not named keeps its"
            " default (issuers.api.rate_limits.DEFAULT_LIMITS)."
        ),
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description=(
            "Where the rate limits count (a `limits` storage URI). memory://: each process"
            " alone; redis://host:6379 (with the redis package): exact across processes"
            " and machines."
        ),
    )
    rate_limit_share: int = Field(
        default=1,
        ge=1,
        le=64,
        description=(
            "How many processes count the limits alone in memory://: each limit is divided"
            " by it (rounded up). `elicense serve --workers N` sets it to N."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Addresses or networks (comma-separated) of the reverse proxies in front of"
            " `elicense serve`: only a request from one of them has its X-Forwarded-For"
            " (and X-Forwarded-Proto) believed. Empty: none (the peer's address counts);"
            " anything but an address or network (`*` included) stops the start."
        ),
    )
    bundle_item_concurrency: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="How many bundle items run at once across every worker (a global limit).",
    )
    anchor_alg: Literal["EdDSA", "ES256", "SM2"] = Field(
        default="EdDSA",
        description=(
            "The algorithm of a province's trust anchor when it is made (on first use; SM2:"
            " 国密 SM2 with SM3). An anchor made before keeps its own: verifiers hold it."
        ),
    )
    holder_key_alg: Literal["EdDSA", "ES256", "SM2"] = Field(
        default="EdDSA",
        description="The algorithm of new custodial holder keys (SM2: 国密 SM2 with SM3).",
    )
    platform_key_alg: Literal["EdDSA", "SM2"] = Field(
        default="EdDSA",
        description="The platform key's (audit checkpoints, annotations); both derive from"
        " the master key, and GET /platform/jwks also lists the Ed25519 one after a switch.",
    )

    @model_validator(mode="after")
    def _check_rate_limits(self) -> Self:
        parse_limits(self.rate_limits)  # a ValueError naming the group stops the start
        if not self.rate_limit_storage.startswith("memory:"):
            try:  # an unknown scheme, or its client library missing (redis, ...)
                storage_from_string(self.rate_limit_storage)
            except ConfigurationError as exc:
                raise ValueError(f"ELICENSE_RATE_LIMIT_STORAGE: {exc}") from None
        return self

    @model_validator(mode="after")
    def _check_sm2(self) -> Self:
        sm2.check_environment()  # ELICENSE_SM2_BACKEND, ELICENSE_SM2_USER_ID: a ValueError
        return self

    @model_validator(mode="after")
    def _check_trusted_proxies(self) -> Self:
        for entry in filter(None, (e.strip() for e in self.trusted_proxies.split(","))):
            if entry == "*":
                raise ValueError(
                    "ELICENSE_TRUSTED_PROXIES: '*' would believe X-Forwarded-For from anyone,"
                    " so every client could choose its own rate-limit key: name the proxies"
                )
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"ELICENSE_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
                ) from None
        return self

    @property
    def rate_limits_shared(self) -> int:
        """What each process's limits are divided by: only a memory:// storage counts
        alone in each process (a shared storage counts every process's requests)."""
        return self.rate_limit_share if self.rate_limit_storage.startswith("memory:") else 1

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        if self.demo:
            return self
        if self.master_key is None:
            raise ValueError(
                "ELICENSE_MASTER_KEY is required outside demo mode "
                "(32 random bytes, base64: `python -c 'import os,base64;"
                "print(base64.b64encode(os.urandom(32)).decode())'`)"
            )
        _decode_master_key(self.master_key.get_secret_value())
        if self.admin_token is not None and len(self.admin_token.get_secret_value()) < 24:
            raise ValueError("ELICENSE_ADMIN_TOKEN must be at least 24 characters")
        if self.metrics_token is not None and len(self.metrics_token.get_secret_value()) < 24:
            raise ValueError("ELICENSE_METRICS_TOKEN must be at least 24 characters")
        return self

    @property
    def runs_workflows_in_process(self) -> bool:
        """Whether ``serve`` runs the bundle workflows itself (the demo's default)."""
        return self.demo if self.inprocess_workers is None else self.inprocess_workers

    def master_key_bytes(self) -> bytes:
        """The master key; in demo mode, the one kept in ``data_dir`` (made if missing)."""
        if self.master_key is not None:
            return _decode_master_key(self.master_key.get_secret_value())
        if not self.demo:
            raise SettingsError("ELICENSE_MASTER_KEY is not set")
        return demo_master_key(self.data_dir)


def _decode_master_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError):
        raise ValueError("ELICENSE_MASTER_KEY is not base64") from None
    if len(raw) < 32:
        raise ValueError("ELICENSE_MASTER_KEY must decode to at least 32 bytes")
    return raw


def demo_master_key(data_dir: Path) -> bytes:
    """Read or create the demo master key file. Demo data only: never use in production."""
    path = data_dir / "demo-master-key"
    if path.exists():
        return _decode_master_key(path.read_text().strip())
    data_dir.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.urlsafe_b64encode(key).decode() + "\n")
    return key


def read_demo_address(data_dir: Path) -> str | None:
    """The base URL ``serve --demo`` last served on with this data directory, if any."""
    try:
        text = (data_dir / DEMO_ADDRESS_FILE).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def record_demo_address(data_dir: Path, base_url: str) -> None:
    """Remember where the demo is served, for the demo's CLI verbs (see PublicSettings)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DEMO_ADDRESS_FILE
    partial = path.with_name(path.name + ".partial")
    partial.write_text(base_url + "\n", "utf-8")
    partial.replace(path)  # readers see the old address or the new one, never half


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
