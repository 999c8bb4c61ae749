"""``sync``: while online, fill the offline cache with what verifies.

For each server, in two passes:

1. ``GET /trust/anchors`` says which regions it publishes lists for. It is only a
   hint: a region is fetched (``GET /trust/lists/{region}``) when the anchor the
   server names for it is one of the *configured* anchors, and the list is stored
   only if it verifies against a configured anchor (:func:`issuers.trust.verify_trust_list`),
   is the region asked for, and is not older (lower ``seq``) than the cached one.
2. ``GET /status/lists`` names the status lists; each is fetched as a JWT and stored
   only if it verifies (:func:`issuers.formats.status_list_token.verify_jwt`) with a
   key the trust lists in effect vouch for, with ``sub`` equal to its URI and signed by
   the issuer the server names, and is not older (``iat``) than the cached one.

Everything fetched is reported: stored, skipped (it did not verify, or policy said
no: the code says why) or failed (the network or the server's answer). A failed fetch
does not stop the sync; any other exception does, and leaves every cache file either
as it was or wholly replaced (:func:`verifiers.offline.cache.atomic_write`).

The fetch function is injected (:mod:`verifiers.offline.fetch`): ``fetch(url, headers)
-> body``, raising ``FetchFailed`` (or an ``OSError``) when it cannot; by default
``urllib_fetch``, the standard library with a timeout and a size cap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from issuers.crypto.keys import VerifyingKey
from issuers.errors import ElicenseError, InvalidInput
from issuers.formats.status_list_token import verify_jwt
from issuers.trust import TrustList, TrustListKeyResolver, verify_trust_list
from verifiers.offline.anchors import REGION, parse_anchors, read_anchor_file
from verifiers.offline.cache import CacheDir
from verifiers.offline.fetch import Fetch, FetchFailed, urllib_fetch

Outcome = Literal["stored", "skipped", "failed"]
JSON, TRUST_JWT, STATUS_JWT = (
    "application/json",
    "application/trustlist+jwt",
    "application/statuslist+jwt",
)


@dataclass(frozen=True, slots=True)
class SyncItem:
    server: str
    kind: str  # "anchors" | "trust_list" | "status_lists" | "status_list"
    name: str  # the region code or the status list URI
    outcome: Outcome
    code: str | None = None
    message: str | None = None


@dataclass
class SyncReport:
    items: list[SyncItem] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[SyncItem]:
        return [item for item in self.items if item.outcome == outcome]

    def to_dict(self) -> dict[str, Any]:
        counts = {outcome: len(self.of(outcome)) for outcome in ("stored", "skipped", "failed")}
        return {**counts, "items": [asdict(item) for item in self.items]}


_FETCH_ERRORS = (FetchFailed, OSError)


def sync(
    servers: Sequence[str],
    cache_dir: Path,
    anchors: Sequence[Path],
    *,
    now: datetime,
    fetch: Fetch = urllib_fetch,
) -> SyncReport:
    """Fetch and verify the servers' trust and status lists into ``cache_dir``.

    ``anchors`` are anchor files (see :mod:`verifiers.offline.anchors`): the cache's
    anchors become exactly these. Raises InvalidInput for bad arguments, before the
    cache is touched."""
    if not servers:
        raise InvalidInput("name at least one server", field="server")
    for server in servers:
        if urlsplit(server).scheme not in ("http", "https") or not urlsplit(server).netloc:
            raise InvalidInput(f"{server!r} is not an http(s) URL", field="server")
    configured = [anchor for path in anchors for anchor in read_anchor_file(Path(path))]
    if not configured:
        raise InvalidInput("configure at least one trust anchor", field="anchor")
    cache = CacheDir(Path(cache_dir))
    cache.ensure()
    cache.replace_anchors(configured)
    run = _Run(cache, [anchor.key for anchor in configured], now, fetch)
    declared = sorted({a.region_code for a in configured if a.region_code is not None})
    for server in servers:
        base = server.rstrip("/")
        for region in run.regions(base, declared):
            run.trust_list(base, region)
    resolver = run.resolver()
    seen: set[str] = set()
    for server in servers:
        run.status_lists(server.rstrip("/"), resolver, seen)
    return run.report


class _Run:
    def __init__(self, cache: CacheDir, anchors: list[VerifyingKey], now: datetime, fetch: Fetch):
        self.cache, self.anchors, self.now, self.fetch = cache, anchors, now, fetch
        self.kids = {anchor.kid for anchor in anchors}
        self.fresh: dict[str, TrustList] = {}
        self.report = SyncReport()

    def note(
        self,
        server: str,
        kind: str,
        name: str,
        outcome: Outcome,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        self.report.items.append(SyncItem(server, kind, name, outcome, code, message))

    def get_json(self, server: str, kind: str, url: str) -> list[Any] | None:
        try:
            value = json.loads(self.fetch(url, {"Accept": JSON}).decode("utf-8"))
        except _FETCH_ERRORS as exc:
            self.note(server, kind, url, "failed", "fetch_failed", str(exc))
            return None
        except ValueError as exc:  # UnicodeDecodeError, JSONDecodeError
            self.note(server, kind, url, "failed", "malformed", f"not JSON: {exc}")
            return None
        if not isinstance(value, list):
            self.note(server, kind, url, "failed", "malformed", "not a JSON array")
            return None
        return value

    def regions(self, server: str, declared: list[str]) -> list[str]:
        """The regions whose lists to fetch from ``server``: those it advertises with a
        configured anchor (or, if it cannot tell, those the anchor files declare)."""
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
            region = advertised.region_code
            if region is None:
                self.note(server, "anchors", "?", "skipped", "anchor_invalid", "no region_code")
            elif advertised.key.kid not in self.kids:
                message = f"the server's anchor {advertised.key.kid} is not a configured one"
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
        except _FETCH_ERRORS as exc:
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
            if not isinstance(uri, str) or urlsplit(uri).scheme not in ("http", "https"):
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
        except _FETCH_ERRORS as exc:
            self.note(server, "status_list", uri, "failed", "fetch_failed", str(exc))
            return
        except UnicodeDecodeError:
            self.note(server, "status_list", uri, "skipped", "malformed", "not UTF-8 text")
            return
        except ElicenseError as exc:
            self.note(server, "status_list", uri, "skipped", exc.code, exc.message)
            return
        held = self.cache.status_list(uri)
        if held is not None:
            try:
                previous = verify_jwt(held.text, keys=keys, now=self.now, expected_uri=uri)
            except ElicenseError:
                previous = None
            if previous is not None and previous.issued_at > token.issued_at:
                message = f"issued {token.issued_at.isoformat()}, before the held copy"
                self.note(server, "status_list", uri, "skipped", "status_list_rollback", message)
                return
        self.cache.write_status_list(uri, text, issuer=issuer, fetched_at=self.now, source=server)
        self.note(server, "status_list", uri, "stored", None, f"issued {token.issued_at}")


def _supersedes(new: TrustList, held: TrustList) -> bool:
    """A list from another anchor always may (rotation); from the same anchor, only a
    higher ``seq``, or the very same list again."""
    if new.anchor_kid != held.anchor_kid:
        return True
    return new.sequence > held.sequence or new == held
