"""A hostile review of the lost-phone and lockout fixes (issue 8, items 1, 2, 3, 9).

Each test reproduces a gap found by reading the fixes for races: a holder-bound copy
made while its key is being retired or its certificate revoked; a successful login
wiping a lock that guesses claimed during its password check had set; a copy handed
to a phone before migration 0008 (the server's verifier refuses a retired holder
key whatever copy it signs over). The races are forced,
not hoped for: the first operation is held just after the read that decides it, the
second runs (or, where the first holds a lock, waits) meanwhile, then the first
finishes. On SQLite write transactions are serial (BEGIN IMMEDIATE), so the second
simply waits; on PostgreSQL (READ COMMITTED) only row locks order them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Literal

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from issuers.errors import ElicenseError
from issuers.formats import presentation as presentation_format
from issuers.minting import rebind_qr
from issuers.status_codes import LIST_INVALID, CertificateStatus
from issuers.store import status_store
from issuers.store.tables import status_entries
from tests.app_fixtures import FixedClock
from tests.helpers import LI_NA, PASSWORDS
from tests.wallet.citizens import (
    SAMPLE_CERTIFICATES,
    claims_of,
    detail_qr,
    list_value,
    login,
    mint,
    mint_marriage,
    register_phone,
    verify,
)
from wallet.accounts.service import AccountService
from wallet.accounts.store import AccountStore
from wallet.holders.presentations import PresentationService
from wallet.holders.store import HolderStore
from wallet.holders.store.tables import holder_keys
from wallet.server.app import services_of

MARRIAGE = next(c for c in SAMPLE_CERTIFICATES if c["type"] == "marriage")
_ZHANG_WEI_ID = next(c for c in SAMPLE_CERTIFICATES if c["type"] == "resident_id")
RESIDENT_ID = {  # 李娜's own 居民身份证 (the sample is 张伟's): she is its only holder
    "issuer": _ZHANG_WEI_ID["issuer"],
    "fields": {
        **_ZHANG_WEI_ID["fields"],
        "name": "李娜",
        "sex": 2,
        "birth_date": "1992-07-08",
        "id_number": LI_NA,
    },
}
MAX_FAILURES = 5
HOLD_S = 2.0  # how long the second operation gets to finish while the first is held


def _mint_marriage(client: TestClient, admin_headers: dict[str, str]) -> str:
    return mint_marriage(client, admin_headers)[0]


@contextmanager
def held_after(target: Any, name: str) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Replace ``target.name`` (on the instance) so that its first call, once it has
    returned, signals ``reached`` and waits for ``release`` before handing back."""
    original: Callable[..., Any] = getattr(target, name)
    reached, release = threading.Event(), threading.Event()
    first = threading.Lock()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if first.acquire(blocking=False):
            reached.set()
            release.wait(timeout=60)
        return result

    own = name in vars(target)  # a module's function, or an instance's own attribute
    setattr(target, name, wrapper)
    try:
        yield reached, release
    finally:
        release.set()
        if own:
            setattr(target, name, original)
        else:
            delattr(target, name)  # the class's method shows through again


def race(first: Callable[[], Any], second: Callable[[], Any], hold: Any) -> list[Any]:
    """Run ``first`` until ``hold`` catches it, then ``second`` for up to HOLD_S (it
    may be waiting on a lock ``first`` holds), then let both finish. Returns
    [first's result, second's result]; an exception is re-raised."""
    reached, release = hold
    results: list[Any] = [None, None]
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    one = threading.Thread(target=run, args=(0, first))
    one.start()
    assert reached.wait(timeout=30), "the first operation never reached the hold"
    two = threading.Thread(target=run, args=(1, second))
    two.start()
    two.join(timeout=HOLD_S)
    release.set()
    one.join(timeout=60)
    two.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def _live_entries_of(app: FastAPI, kid: str) -> list[Any]:
    with services_of(app).engine.connect() as conn:
        return list(
            conn.execute(
                select(status_entries).where(
                    status_entries.c.holder_kid == kid, status_entries.c.retired_at.is_(None)
                )
            )
        )


def _presentations_over_own_store(app: FastAPI) -> tuple[PresentationService, HolderStore]:
    """The app's presentation service, built again over a store the test can hold
    (after a copy's transaction has read the certificate, before it reads its status)."""
    services = services_of(app)
    store = HolderStore(services.engine)
    presentations = PresentationService(
        store,
        services.issuance,
        services.keyring,
        services.clock,
        lifetime=services.presentations.lifetime,
    )
    return presentations, store


def _is_retired(app: FastAPI, kid: str) -> bool:
    with services_of(app).engine.connect() as conn:
        retired = conn.execute(
            select(holder_keys.c.retired_at).where(holder_keys.c.kid == kid)
        ).scalar_one()
    return retired is not None


# --- item 1: a copy made while its key is retired -------------------------------------


def test_a_copy_made_while_its_device_is_forgotten_is_invalidated_too(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    accounts: AccountService,
    clock: FixedClock,
) -> None:
    """The lost phone fetches its copy (GET /wallet/certificates/{id}) at the moment
    its owner forgets it: the copy was being made for the device key that read as
    active; it must not come out live once the key is retired."""
    identifier = _mint_marriage(client, admin_headers)
    phone_session = login(client, LI_NA)
    phone = register_phone(client, phone_session, LI_NA)  # no copy for it yet
    presentations, keyring = services_of(app).presentations, services_of(app).keyring

    with held_after(keyring, "ensure") as hold:
        copy, _ = race(
            lambda: presentations.bound_credential(LI_NA, identifier),
            lambda: keyring.reset_to_custodial(LI_NA),
            hold,
        )

    assert copy.holder_key.kid == phone.public.kid
    assert _is_retired(app, phone.public.kid)
    live = presentation_format.present(copy.qr, phone, now=clock.now)
    verdict = verify(client, live)  # what the thief shows at the roadside
    assert verdict["valid"] is False, verdict
    assert list_value(app, client, copy.qr, clock.now) == LIST_INVALID
    assert _live_entries_of(app, phone.public.kid) == []


def test_a_mint_bound_to_a_key_being_retired_leaves_no_live_copy_for_it(
    app: FastAPI, client: TestClient, accounts: AccountService, clock: FixedClock
) -> None:
    """A certificate minted for 李娜 (its primary holder) while her phone is forgotten:
    the primary holder's copy is made at mint for the key that read as active."""
    phone = register_phone(client, login(client, LI_NA), LI_NA)
    issuance, keyring = services_of(app).issuance, services_of(app).keyring

    with held_after(keyring, "binding_key") as hold:
        minted, _ = race(
            lambda: issuance.mint("resident_id", RESIDENT_ID["issuer"], RESIDENT_ID["fields"]),
            lambda: keyring.reset_to_custodial(LI_NA),
            hold,
        )

    assert minted.record.holder_codes[0] == LI_NA
    assert _is_retired(app, phone.public.kid)
    assert _live_entries_of(app, phone.public.kid) == []


# --- item 1: a copy made while its certificate is revoked -----------------------------


def test_a_copy_made_while_its_certificate_is_revoked_starts_revoked(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    accounts: AccountService,
    clock: FixedClock,
) -> None:
    """李娜's copy of the marriage certificate is made the first time she opens it; if
    the issuer revokes the certificate meanwhile, her copy must not start VALID (it
    read the status before the revocation, which then missed the entry not yet
    written)."""
    identifier = _mint_marriage(client, admin_headers)
    presentations, store = _presentations_over_own_store(app)
    issuance = services_of(app).issuance

    with held_after(store, "certificate_in") as hold:
        copy, _ = race(
            lambda: presentations.bound_credential(LI_NA, identifier),
            lambda: issuance.change_status(
                identifier, CertificateStatus.REVOKED, reason="撤销", actor="test"
            ),
            hold,
        )

    assert claims_of(copy.qr).confirmation is not None
    assert list_value(app, client, copy.qr, clock.now) == LIST_INVALID
    verdict = verify(client, copy.qr)
    assert verdict["valid"] is False, verdict
    assert verdict["code"] == "revoked"


def test_copies_for_one_key_made_at_once_share_one_status_entry(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    accounts: AccountService,
    clock: FixedClock,
) -> None:
    """Two first presentations of one holder at once: one entry, and both answers
    follow it (a later retirement reaches what either request handed out)."""
    identifier = _mint_marriage(client, admin_headers)
    presentations, store = _presentations_over_own_store(app)
    keyring = services_of(app).keyring
    key = keyring.current(LI_NA)

    with held_after(store, "certificate_in") as hold:
        one, two = race(
            lambda: presentations.bound_credential(LI_NA, identifier),
            lambda: presentations.bound_credential(LI_NA, identifier),
            hold,
        )

    assert claims_of(one.qr).status == claims_of(two.qr).status
    assert len(_live_entries_of(app, key.kid)) == 1
    keyring.reset_to_custodial(LI_NA)
    for copy in (one, two):
        assert list_value(app, client, copy.qr, clock.now) == LIST_INVALID


def test_a_mint_and_a_retirement_touching_one_status_list_both_finish(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    """A mint holds its issuer's open list row from the moment it reserves an entry; a
    retirement holds the holder's lock and then bumps the lists of the key's copies.
    The mint takes the holder's lock first, so the two queue instead of deadlocking
    (PostgreSQL) when the phone's key has a copy on the list the mint draws from."""
    session = login(client, LI_NA)
    phone = register_phone(client, session, LI_NA)
    household = mint(client, admin_headers, "household_register")  # the same issuer's list
    detail_qr(client, session, household)  # a live copy for the phone's key on it
    issuance, keyring = services_of(app).issuance, services_of(app).keyring

    with held_after(status_store, "reserve_index") as hold:
        minted, _ = race(
            lambda: issuance.mint("resident_id", RESIDENT_ID["issuer"], RESIDENT_ID["fields"]),
            lambda: keyring.reset_to_custodial(LI_NA),
            hold,
        )

    assert minted.record.issuer.uscc == RESIDENT_ID["issuer"]
    assert _is_retired(app, phone.public.kid)
    assert _live_entries_of(app, phone.public.kid) == []


# --- items 3 and 9: a success lifts a lock it did not see ----------------------------


class GatedHasher(PasswordHasher):
    """Cheap argon2id that counts wrong-password checks, and holds the check of the
    right password until ``release`` is set (the owner's login, mid-hash)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.wrong_checked = 0
        self.right_started, self.release = threading.Event(), threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        if password == PASSWORDS[LI_NA]:
            self.right_started.set()
            self.release.wait(timeout=30)
        else:
            self.wrong_checked += 1
        return super().verify(hash, password)


def _answer(accounts: AccountService, password: str) -> str:
    try:
        accounts.login(LI_NA, password)
    except ElicenseError as exc:
        return exc.code
    return "ok"


def test_a_success_does_not_lift_a_lock_set_by_guesses_claimed_after_it(
    engine: Engine, clock: FixedClock
) -> None:
    """The owner signs in while an attacker guesses: the attacker's guesses claimed
    during the owner's password check lock the number; the owner's success must not
    wipe them (it would hand the attacker a fresh set of guesses in the same lock
    period, twice the allowed number checked)."""
    hasher = GatedHasher()
    accounts = AccountService(AccountStore(engine), clock, hasher=hasher, max_failures=MAX_FAILURES)
    accounts.register(LI_NA, "李娜", PASSWORDS[LI_NA])
    _ = accounts._dummy_hash

    with ThreadPoolExecutor(max_workers=1) as pool:
        owner = pool.submit(_answer, accounts, PASSWORDS[LI_NA])
        assert hasher.right_started.wait(timeout=30)  # claimed, now being checked
        during = [_answer(accounts, f"wrong-{i}") for i in range(MAX_FAILURES)]
        hasher.release.set()
        assert owner.result(timeout=30) == "ok"  # claimed before the lock: it signs in

    # Its claim was the first of five: four wrong ones were checked, the last locked.
    assert during.count("unauthorized") == MAX_FAILURES - 2
    assert during[-2:] == ["account_locked", "account_locked"]
    after = [_answer(accounts, f"again-{i}") for i in range(MAX_FAILURES)]
    assert after == ["account_locked"] * MAX_FAILURES, after
    assert hasher.wrong_checked == MAX_FAILURES - 1


# --- item 1: copies handed out before migration 0008 ----------------------------------


def test_a_copy_a_phone_kept_from_before_migration_0008_stops_verifying_once_forgotten(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    accounts: AccountService,
    clock: FixedClock,
) -> None:
    """Before 0008 a copy was the certificate's claims bound to the holder's key, its
    status reference included (the old ``rebind_qr`` kept every claim but ``cnf``):
    that is what a phone registered then fetched and keeps. Reproduced end to end with
    the code of 83cafde^ and an upgraded database, the same as here."""
    _, certificate_qr = mint_marriage(client, admin_headers)
    phone = register_phone(client, login(client, LI_NA), LI_NA)
    issuer_key = services_of(app).issuance.active_signing_key(MARRIAGE["issuer"])
    status = claims_of(certificate_qr).status
    assert status is not None
    kept = rebind_qr(certificate_qr, phone.public, issuer_key, status)
    live = presentation_format.present(kept, phone, now=clock.now)
    assert verify(client, live)["valid"] is True

    owner = login(client, LI_NA)
    assert client.delete("/wallet/holder-key", headers=owner).status_code == 200
    verdict = verify(client, presentation_format.present(kept, phone, now=clock.now))
    assert verdict["valid"] is False, verdict
    assert verdict["code"] == "revoked"
    assert "retired" in verdict["message"]
