"""``sync``: while online, fill the offline cache with what verifies.

For each server, in two passes:

1. ``GET /trust/anchors`` says which regions it publishes lists for. It is only a
   hint: a region is fetched (``GET /trust/lists/{region}``) when the anchor the
   server names for it is one of the *configured* anchors, configured for that
   region, and the list is stored only if it verifies against a configured anchor
   for its own region (:func:`issuers.trust.verify_trust_list`), is the region asked
   for, and is not older than the cached one (a lower ``seq`` from the same anchor; an
   earlier ``iat`` from another anchor of the region).
2. ``GET /status/lists`` names the status lists; each is fetched as a JWT and stored
   only if it verifies (:func:`issuers.formats.status_list_token.verify_jwt`) with a
   key the trust lists in effect vouch for, with ``sub`` equal to its URI and signed by
   the issuer the server names, not issued ahead of this clock, and is not older
   (``iat``) than the cached one.

Everything fetched is reported: stored, skipped (it did not verify, or policy said
no: the code says why) or failed (the network or the server's answer). A failed fetch
does not stop the sync; any other exception does, and leaves every cache file either
as it was or wholly replaced (:func:`verifiers.offline.cache.atomic_write`).

The whole sync has one deadline (``timeout``, default 30 s): once it is spent, the
fetch under way is cut off and the sync stops, reporting one failed item
(``kind="sync"``, ``deadline_exceeded``); what it stored until then stays, each file
whole. No server, however slowly it answers, keeps a sync running longer.

The fetch function is injected (:mod:`verifiers.offline.fetch`): ``fetch(url, headers)
-> body``, raising ``FetchFailed`` (or an ``OSError``) when it cannot; by default
``urllib_fetch`` under the sync's :class:`~verifiers.offline.fetch.Deadline`, the
standard library with a size cap. An injected fetch is asked nothing once the deadline
has passed, but must bound each call itself.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from issuers.errors import ElicenseError, InvalidInput, SyncStopped
from issuers.formats.status_list_token import verify_jwt
from issuers.trust import (
    CLOCK_SKEW,
    TrustAnchor,
    TrustList,
    TrustListKeyResolver,
    verify_trust_list,
)
from verifiers.offline._sync_io import FETCH_ERRORS, SyncIO
from verifiers.offline.anchors import REGION, load_anchors, parse_anchors
from verifiers.offline.cache import CacheDir
from verifiers.offline.fetch import (
    DEFAULT_DEADLINE_S,
    Deadline,
    Fetch,
    urllib_fetch,
)
from verifiers.offline.report import SyncReport

TRUST_JWT, STATUS_JWT = "application/trustlist+jwt", "application/statuslist+jwt"


def sync(
    servers: Sequence[str],
    cache_dir: Path,
    anchors: Sequence[Path],
    *,
    now: datetime,
    fetch: Fetch | None = None,
    timeout: float = DEFAULT_DEADLINE_S,
) -> SyncReport:
    """Fetch and verify the servers' trust and status lists into ``cache_dir``.

    ``anchors`` are anchor files (see :mod:`verifiers.offline.anchors`), outside
    ``cache_dir``; they are not copied into it. Raises InvalidInput for bad arguments,
    before the cache is touched."""
    if not servers:
        raise InvalidInput("name at least one server", field="server")
    for server in servers:
        if urlsplit(server).scheme not in ("http", "https") or not urlsplit(server).netloc:
            raise InvalidInput(f"{server!r} is not an http(s) URL", field="server")
    configured = load_anchors(anchors, cache_dir=Path(cache_dir))
    try:
        deadline = Deadline(timeout)
    except ValueError as exc:
        raise InvalidInput(f"timeout: {exc}", field="timeout") from None
    with deadline:
        cache = CacheDir(Path(cache_dir))
        cache.ensure()
        run = _Run(
            cache,
            configured,
            now,
            fetch or functools.partial(urllib_fetch, deadline=deadline),
            deadline,
        )
        try:
            run.all(servers)
        except SyncStopped as exc:
            run.note(run.server, "sync", "deadline", "failed", "deadline_exceeded", str(exc))
    return run.report


class _Run(SyncIO):
    """The two passes (see the module docstring) over one sync's fetches and report."""

    def __init__(
        self,
        cache: CacheDir,
        anchors: list[TrustAnchor],
        now: datetime,
        fetch: Fetch,
        deadline: Deadline,
    ) -> None:
        super().__init__(cache, now, fetch, deadline)
        self.anchors = anchors
        self.regions_of = {anchor.kid: anchor.region_code for anchor in anchors}
        self.fresh: dict[str, TrustList] = {}

    def all(self, servers: Sequence[str]) -> None:
        declared = sorted({anchor.region_code for anchor in self.anchors})
        for server in servers:
            self.server = base = server.rstrip("/")
            for region in self.regions(base, declared):
                self.trust_list(base, region)
        resolver = self.resolver()
        seen: set[str] = set()
        for server in servers:
            self.server = base = server.rstrip("/")
            self.status_lists(base, resolver, seen)

    def regions(self, server: str, declared: list[str]) -> list[str]:
        """The regions whose lists to fetch from ``server``: those it advertises with an
        anchor configured for that region (or, if it cannot tell, the configured ones)."""
        entries = self.get_json(server, "anchors", f"{server}/trust/anchors")
        if entries is None:
            return declared
        regions = []
        for entry in entries:
            try:
                [advertised] = parse_anchors(entry, source=f"{server}/trust/anchors")
            except (InvalidInput, ValueError) as exc:
                message = exc.message if isinstance(exc, InvalidInput) else str(exc)
                self.note(server, "anchors", "?", "skipped", "anchor_invalid", message)
                continue
            region, kid = advertised.region_code, advertised.kid
            if kid not in self.regions_of:
                message = f"the server's anchor {kid} is not a configured one"
                self.note(server, "trust_list", region, "skipped", "anchor_not_configured", message)
            elif self.regions_of[kid] != region:
                message = f"anchor {kid} is configured for {self.regions_of[kid]}, not {region}"
                self.note(server, "trust_list", region, "skipped", "anchor_not_configured", message)
            elif region not in regions:
                regions.append(region)
        return regions

    def trust_list(self, server: str, region: str) -> None:
        url = f"{server}/trust/lists/{region}"
        assert REGION.fullmatch(region)  # parse_anchors checked it: safe in a URL and a path
        try:
            text = self.fetch(url, {"Accept": TRUST_JWT}).decode("utf-8").strip()
            trust_list = verify_trust_list(text, anchors=self.anchors, now=self.now)
        except FETCH_ERRORS as exc:
            self.note(server, "trust_list", region, "failed", "fetch_failed", str(exc))
            return
        except UnicodeDecodeError:
            self.note(server, "trust_list", region, "skipped", "malformed", "not UTF-8 text")
            return
        except ElicenseError as exc:
            self.note(server, "trust_list", region, "skipped", exc.code, exc.message)
            return
        if trust_list.region_code != region:
            message = f"asked for {region}, got the list of {trust_list.region_code}"
            self.note(server, "trust_list", region, "skipped", "trust_list_invalid", message)
            return
        held = self.fresh.get(region) or self._cached_trust_list(region)
        if held is not None and not _supersedes(trust_list, held):
            message = f"#{trust_list.sequence} does not supersede the held #{held.sequence}"
            self.note(server, "trust_list", region, "skipped", "trust_list_rollback", message)
            return
        self.cache.write_trust_list(region, text, fetched_at=self.now, source=url)
        self.fresh[region] = trust_list
        self.note(server, "trust_list", region, "stored", None, f"#{trust_list.sequence}")

    def _cached_trust_list(self, region: str) -> TrustList | None:
        cached = self.cache.trust_list(region)
        if cached is None:
            return None
        try:
            return verify_trust_list(cached.text, anchors=self.anchors, now=self.now)
        except ElicenseError:
            return None

    def resolver(self) -> TrustListKeyResolver:
        """The lists fetched now, plus cached ones of other regions that still verify."""
        lists = dict(self.fresh)
        cached, _ = self.cache.trust_lists()
        for item in cached:
            if item.region_code not in lists:
                held = self._cached_trust_list(item.region_code)
                if held is not None:
                    lists[item.region_code] = held
        return TrustListKeyResolver(lists.values())

    def status_lists(self, server: str, keys: TrustListKeyResolver, seen: set[str]) -> None:
        entries = self.get_json(server, "status_lists", f"{server}/status/lists")
        for entry in entries or []:
            uri = entry.get("uri") if isinstance(entry, dict) else None
            issuer = entry.get("issuer") if isinstance(entry, dict) else None
            if not isinstance(uri, str) or _scheme(uri) not in ("http", "https"):
                message = "an entry needs an http(s) uri"
                self.note(server, "status_list", str(uri)[:200], "skipped", "malformed", message)
            elif not isinstance(issuer, str):
                self.note(server, "status_list", uri, "skipped", "malformed", "no issuer")
            elif uri in seen:
                self.note(server, "status_list", uri, "skipped", "duplicate", "fetched already")
            else:
                seen.add(uri)
                self.status_list(server, uri, issuer, keys)

    def status_list(self, server: str, uri: str, issuer: str, keys: TrustListKeyResolver) -> None:
        try:
            text = self.fetch(uri, {"Accept": STATUS_JWT}).decode("utf-8").strip()
            token = verify_jwt(
                text, keys=keys, now=self.now, expected_uri=uri, expected_issuer=issuer
            )
        except FETCH_ERRORS as exc:
            self.note(server, "status_list", uri, "failed", "fetch_failed", str(exc))
            return
        except UnicodeDecodeError:
            self.note(server, "status_list", uri, "skipped", "malformed", "not UTF-8 text")
            return
        except ElicenseError as exc:
            self.note(server, "status_list", uri, "skipped", exc.code, exc.message)
            return
        if token.issued_at > self.now + CLOCK_SKEW:
            message = f"issued {token.issued_at.isoformat()}, ahead of this clock"
            self.note(server, "status_list", uri, "skipped", "claims_invalid", message)
            return
        held = self.cache.status_list(uri)
        if held is not None:
            try:
                previous = verify_jwt(held.text, keys=keys, now=self.now, expected_uri=uri)
            except ElicenseError:
                previous = None
            if previous is not None and previous.issued_at > self.now + CLOCK_SKEW:
                previous = None  # a copy from the future must not pin the cache
            if previous is not None and previous.issued_at > token.issued_at:
                message = f"issued {token.issued_at.isoformat()}, before the held copy"
                self.note(server, "status_list", uri, "skipped", "status_list_rollback", message)
                return
        self.cache.write_status_list(uri, text, issuer=issuer, fetched_at=self.now, source=server)
        self.note(server, "status_list", uri, "stored", None, f"issued {token.issued_at}")


def _scheme(uri: str) -> str | None:
    """The URL's scheme, or None for no URL (``http://[::1/``: urlsplit raises)."""
    try:
        return urlsplit(uri).scheme
    except ValueError:
        return None


def _supersedes(new: TrustList, held: TrustList) -> bool:
    """From the same anchor, only a higher ``seq``, or the very same list again; from
    another anchor of the region (a rotation), one issued no earlier, or a server could
    replay the other anchor's last unexpired list and undo a compromise declared since."""
    if new.anchor_kid != held.anchor_kid:
        return new.issued_at >= held.issued_at
    return new.sequence > held.sequence or new == held
