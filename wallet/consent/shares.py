"""Shares made when a party approves: the SD-JWT VC and the holder's Key Binding JWT.

Issue 10 item 4: "a key-binding JWT signed by the holder's key with ``aud`` = the
service and a nonce from the request, made when the holder approves (the custodial
key signs it; a holder whose key is on a device signs the approval there)".

:class:`ShareService` is the consent feature's :class:`~wallet.consent.records.
SharePreparer`. In the approval's transaction, for each certificate the approval
shares it has the issuer sign an SD-JWT VC for the party holder's active key
(:class:`issuers.store.sd_jwt_issuer.SdJwtIssuer`), keeps only the Disclosures of the
granted claims the certificate has (:func:`wallet.consent.preview.shared_values`, the
values the citizen previewed), and binds them (RFC 9901 §4.3) with ``aud`` the
client id, ``nonce`` the request's and ``iat`` the approval:

* a **custodial** key is opened and signs here;
* a **device** key cannot be opened, so the citizen first asks for the inputs
  (:meth:`ShareService.device_inputs`, the ``prepare`` route): the SD-JWT VCs are issued
  and kept ``awaiting_device`` and the KB-JWT signing inputs returned; the device signs
  each, and the approval carries ``key_binding_signatures`` (identifier -> base64url
  signature), each checked with the device key before it is accepted
  (:func:`issuers.formats.sd_jwt.attach_key_binding`). Its ``iat`` is the prepare time.

Each share is sealed (AES-256-GCM under the master key, :mod:`issuers.crypto.sealing`)
with the row's key as associated data, so a sealed share cannot be moved onto another
request, holder or type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from issuers.crypto.base64url import b64url, parse_b64url
from issuers.crypto.keys import SigningKey
from issuers.crypto.sealing import seal, unseal
from issuers.errors import Conflict, InvalidInput
from issuers.formats import sd_jwt
from wallet.consent.records import ChosenCertificate, ConsentRequest
from wallet.consent.share_ports import HolderKeys, SdJwtIssuing, ShareRecords
from wallet.consent.share_records import ShareState, StoredShare
from wallet.holders.records import HolderKey

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["SEALING_PURPOSE", "Narrowing", "OpenedShare", "ShareService"]

SEALING_PURPOSE = b"elicense consent share"


@dataclass(frozen=True, slots=True)
class OpenedShare:
    """A ready share, unsealed: the issuer JWT, the granted Disclosures and the KB-JWT."""

    holder_code: str
    type_slug: str
    identifier: str
    holder_kid: str
    claims: tuple[str, ...]
    issuer_jwt: str
    disclosures: Mapping[str, str]  # claim name -> encoded Disclosure
    kb_jwt: str

    @property
    def presentation(self) -> str:
        """``<issuer JWT>~<Disclosure>~...~`` over every granted claim, as bound."""
        return "~".join([self.issuer_jwt, *(self.disclosures[c] for c in self.claims), ""])

    def disclosed_values(self, names: Sequence[str]) -> dict[str, Any]:
        """The values the Disclosures of ``names`` carry, exactly as the service reads them."""
        values: dict[str, Any] = {}
        for name in names:
            _salt, claim, value = json.loads(parse_b64url(self.disclosures[name]))
            values[claim] = value
        return values

    @property
    def sd_jwt(self) -> str:
        """The SD-JWT+KB the holder bound at approval."""
        return self.presentation + self.kb_jwt


@dataclass(frozen=True, slots=True)
class Narrowing:
    """A share's presentation and either the KB-JWT bound at approval (every granted
    claim kept) or the custodial key to bind the narrower one: the pull checks this in
    its transaction and signs after it, so the write lock is not held while signing."""

    presentation: str
    bound: str | None = None
    signing: SigningKey | None = None

    def token(self, *, aud: str, nonce: str, now: datetime) -> str:
        """The SD-JWT+KB the service receives."""
        if self.signing is None:
            return self.presentation + (self.bound or "")
        return sd_jwt.bind(self.presentation, self.signing, aud=aud, nonce=nonce, iat=now)


class ShareService:
    """Prepares each party's shares at approval and opens them for a pull."""

    def __init__(
        self, store: ShareRecords, issuer: SdJwtIssuing, keys: HolderKeys, master_key: bytes
    ) -> None:
        self._store = store
        self._issuer = issuer
        self._keys = keys
        self._master_key = master_key

    # -- the consent feature's SharePreparer ---------------------------------------------

    def prepare(
        self,
        conn: Connection,
        request: ConsentRequest,
        party_holder: str,
        certificates: Sequence[ChosenCertificate],
        now: datetime,
        *,
        key_binding_signatures: Mapping[str, str],
    ) -> None:
        """Issue and bind every share of this party's approval, in its transaction."""
        key = self._keys.ensure(conn, party_holder, now)
        if key.custody == "custodial":
            signing = self._keys.signing_key(key, conn)
            for chosen in certificates:
                presentation, content = self._issue(conn, key, chosen)
                content["kb_jwt"] = sd_jwt.key_binding_jwt(
                    presentation, signing, aud=request.client_id, nonce=request.nonce, iat=now
                )
                self._put(conn, request.id, party_holder, key, chosen, "ready", content, now)
            return
        self._attach_device_signatures(
            conn, request, party_holder, key, certificates, key_binding_signatures
        )

    # -- a device holder's first step -------------------------------------------------------

    def device_inputs(
        self,
        conn: Connection,
        request: ConsentRequest,
        party_holder: str,
        certificates: Sequence[ChosenCertificate],
        now: datetime,
    ) -> dict[str, str]:
        """Issue the party's SD-JWT VCs for their device key and keep them awaiting its
        signatures; return ``{identifier: base64url(KB-JWT signing input)}``."""
        key = self._keys.ensure(conn, party_holder, now)
        if key.custody != "device":
            raise Conflict(
                "this holder's key is custodial: approve directly, the platform signs",
                field="holder_key",
            )
        inputs: dict[str, str] = {}
        for chosen in certificates:
            presentation, content = self._issue(conn, key, chosen)
            signing_input = sd_jwt.key_binding_input(
                presentation, aud=request.client_id, nonce=request.nonce, iat=now, alg=key.alg.value
            )
            content["kb_input"] = signing_input.decode("ascii")
            self._put(conn, request.id, party_holder, key, chosen, "awaiting_device", content, now)
            inputs[chosen.identifier] = b64url(signing_input)
        return inputs

    # -- the pull's side --------------------------------------------------------------------

    def ready_shares(self, conn: Connection, request_id: str) -> list[OpenedShare]:
        """Every bound share of a request, opened, by holder then type."""
        return [
            self._open(share)
            for share in self._store.of_request(conn, request_id)
            if share.state == "ready"
        ]

    def narrowing(
        self, conn: Connection, share: OpenedShare, names: Sequence[str], now: datetime
    ) -> Narrowing:
        """What the SD-JWT+KB of ``share`` with only ``names`` (granted claims) disclosed
        needs, checked in the pull's transaction; :meth:`Narrowing.token` signs it after.

        A KB-JWT covers exactly the Disclosures before it (§4.3.1 ``sd_hash``), so a
        narrower share needs a new one: the custodial key signs it; a device key
        cannot, and the service pulls that share whole (:class:`Conflict`, raised here,
        before the pull takes its use)."""
        chosen = [claim for claim in share.claims if claim in names]
        if chosen == list(share.claims):
            return Narrowing(share.presentation, bound=share.kb_jwt)
        key = self._keys.ensure(conn, share.holder_code, now)
        if key.custody != "custodial" or key.kid != share.holder_kid:
            raise Conflict(
                "this share was bound on the holder's device: pull it with every granted claim",
                field="certificates.claims",
            )
        presentation = "~".join([share.issuer_jwt, *(share.disclosures[c] for c in chosen), ""])
        return Narrowing(presentation, signing=self._keys.signing_key(key))

    # -- inside --------------------------------------------------------------------------------

    def _issue(
        self, conn: Connection, key: HolderKey, chosen: ChosenCertificate
    ) -> tuple[str, dict[str, Any]]:
        issued = self._issuer.issue(conn, chosen.identifier, key.verifying_key)
        names = [claim for claim in chosen.claims if claim in chosen.values]
        by_name = {d.name: d.encoded for d in issued.disclosures if d.name in names}
        content: dict[str, Any] = {"jwt": issued.jwt, "disclosures": by_name}
        return issued.presentation(names), content

    def _attach_device_signatures(
        self,
        conn: Connection,
        request: ConsentRequest,
        party_holder: str,
        key: HolderKey,
        certificates: Sequence[ChosenCertificate],
        signatures: Mapping[str, str],
    ) -> None:
        awaiting = {s.type_slug: s for s in self._store.of_party(conn, request.id, party_holder)}
        for chosen in certificates:
            stored = awaiting.get(chosen.type_slug)
            field = f"key_binding_signatures.{chosen.identifier}"
            if (
                stored is None
                or stored.state != "awaiting_device"
                or stored.identifier != chosen.identifier
                or stored.holder_kid != key.kid
            ):
                raise Conflict(
                    "the device has not prepared this approval: ask for the key-binding "
                    "inputs (prepare) and sign them first",
                    field=field,
                )
            signature = signatures.get(chosen.identifier)
            if signature is None:
                raise InvalidInput("the device's key-binding signature is missing", field=field)
            try:
                raw = parse_b64url(signature, canonical=True)
            except ValueError as exc:
                raise InvalidInput(f"not base64url: {exc}", field=field) from None
            content = self._unseal(stored)
            names = list(stored.claims)
            disclosures = (content["disclosures"][name] for name in names)
            presentation = "~".join([content["jwt"], *disclosures, ""])
            content["kb_jwt"] = sd_jwt.attach_key_binding(
                presentation, content.pop("kb_input").encode("ascii"), raw,
                holder_key=key.verifying_key,
            )[len(presentation):]  # fmt: skip
            prepared_at = stored.prepared_at
            self._put(conn, request.id, party_holder, key, chosen, "ready", content, prepared_at)

    def _put(
        self,
        conn: Connection,
        request_id: str,
        holder_code: str,
        key: HolderKey,
        chosen: ChosenCertificate,
        state: ShareState,
        content: Mapping[str, Any],
        now: datetime,
    ) -> None:
        names = tuple(claim for claim in chosen.claims if claim in content["disclosures"])
        associated = _associated(request_id, holder_code, chosen.type_slug)
        plaintext = json.dumps(content, ensure_ascii=False).encode("utf-8")
        sealed = seal(self._master_key, plaintext, associated=associated, purpose=SEALING_PURPOSE)
        share = StoredShare(
            request_id, holder_code, chosen.type_slug, chosen.identifier, key.kid, names, state,
            sealed, now,
        )  # fmt: skip
        self._store.put(conn, share)

    def _unseal(self, share: StoredShare) -> dict[str, Any]:
        associated = _associated(share.request_id, share.holder_code, share.type_slug)
        plaintext = unseal(
            self._master_key, share.sealed, associated=associated, purpose=SEALING_PURPOSE
        )
        content: dict[str, Any] = json.loads(plaintext)
        return content

    def _open(self, share: StoredShare) -> OpenedShare:
        content = self._unseal(share)
        return OpenedShare(
            holder_code=share.holder_code,
            type_slug=share.type_slug,
            identifier=share.identifier,
            holder_kid=share.holder_kid,
            claims=share.claims,
            issuer_jwt=content["jwt"],
            disclosures=content["disclosures"],
            kb_jwt=content["kb_jwt"],
        )


def _associated(request_id: str, holder_code: str, type_slug: str) -> bytes:
    return f"consent_shares/{request_id}/{holder_code}/{type_slug}".encode()
