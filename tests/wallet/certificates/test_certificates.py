"""Which certificates a citizen may see, over HTTP and in the service: their own, in
full; another citizen's is a plain 404, the same as one that does not exist."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient

from issuers.errors import NotFound
from issuers.status_codes import CertificateStatus
from tests.helpers import CHEN_QIANG, LI_NA, ZHANG_WEI
from tests.wallet.citizens import (
    login,
    mint,
)
from wallet.accounts.service import AccountService
from wallet.certificates.service import MAX_IDENTIFIER_LENGTH, CertificateService, HeldCertificate


@pytest.fixture
def minted(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> dict[str, str]:
    return {slug: mint(client, admin_headers, slug) for slug in ("household_register", "marriage")}


def _identifiers(client: TestClient, headers: dict[str, str]) -> set[str]:
    response = client.get("/wallet/certificates", headers=headers)
    assert response.status_code == 200, response.text
    return {item["identifier"] for item in response.json()}


def test_each_citizen_sees_the_certificates_that_name_them(
    client: TestClient, minted: dict[str, str], admin_headers: dict[str, str]
) -> None:
    driver = mint(client, admin_headers, "ride_hailing_driver")  # names 陈强 only
    both = {minted["marriage"], minted["household_register"]}
    assert _identifiers(client, login(client, ZHANG_WEI)) == both
    assert _identifiers(client, login(client, LI_NA)) == both  # the spouse, a member
    assert _identifiers(client, login(client, CHEN_QIANG)) == {driver}


def test_a_citizen_reads_the_detail_of_their_certificate(
    client: TestClient, minted: dict[str, str]
) -> None:
    identifier = minted["marriage"]
    response = client.get(f"/wallet/certificates/{identifier}", headers=login(client, LI_NA))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["identifier"] == identifier
    assert body["type"] == "marriage"
    assert body["status"] == "01"
    assert body["status_name"] == "valid"
    assert body["valid_from"] == "2026-11-01"  # minted on FIXED_NOW, no valid_from given
    assert body["valid_until"] is None  # 结婚证 has no expiry
    assert body["holder_codes"] == [ZHANG_WEI, LI_NA]
    assert body["fields"]["party_b"]["id_number"] == LI_NA
    assert body["qr"].startswith("EL1:")


def test_another_citizens_certificate_is_not_found_and_leaks_nothing(
    client: TestClient, minted: dict[str, str]
) -> None:
    headers = login(client, CHEN_QIANG)
    identifier = minted["marriage"]
    theirs = client.get(f"/wallet/certificates/{identifier}", headers=headers)
    missing_id = identifier[:-3] + ("A" if identifier[-3] != "A" else "B") + identifier[-2:]
    missing = client.get(f"/wallet/certificates/{missing_id}", headers=headers)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert theirs.json()["error"]["code"] == "not_found"
    assert set(theirs.json()) == {"error"}
    for secret in (ZHANG_WEI, LI_NA, "张伟", "李娜", "J310104-2015-000123", "fields"):
        assert secret not in theirs.text


# --- service: no framework, a fake store ---------------------------------------------------


class FakeStore:
    """Holds one certificate for 张伟; records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.certificate = HeldCertificate(
            identifier="J310104-2015-000123",
            type_slug="marriage",
            issuer_uscc="11310000000000006N",
            issuer=None,
            status=CertificateStatus.VALID,
            status_reason=None,
            valid_from=date(2026, 11, 1),
            valid_until=None,
            issued_at=datetime(2026, 11, 1),
            holder_codes=(ZHANG_WEI, LI_NA),
            fields={},
        )

    def held_by(self, holder_code: str) -> list[HeldCertificate]:
        return [self.certificate] if holder_code in self.certificate.holder_codes else []

    def held(self, holder_code: str, identifier: str) -> HeldCertificate | None:
        self.asked.append((holder_code, identifier))
        mine = holder_code in self.certificate.holder_codes
        return self.certificate if mine and identifier == self.certificate.identifier else None


def test_the_service_answers_not_theirs_and_missing_alike() -> None:
    store = FakeStore()
    service = CertificateService(store)
    identifier = store.certificate.identifier
    assert service.held(LI_NA, identifier) is store.certificate
    assert service.held_by(CHEN_QIANG) == []
    with pytest.raises(NotFound) as theirs:
        service.held(CHEN_QIANG, identifier)
    with pytest.raises(NotFound) as missing:
        service.held(ZHANG_WEI, identifier + "9")
    assert theirs.value.to_dict() == missing.value.to_dict()
    assert theirs.value.field == "identifier"
    assert store.certificate.name_en == "Marriage Certificate"
    assert store.certificate.status_name == "valid"


def test_an_identifier_longer_than_any_is_not_looked_up() -> None:
    store = FakeStore()
    with pytest.raises(NotFound):
        CertificateService(store).held(ZHANG_WEI, "J" * (MAX_IDENTIFIER_LENGTH + 1))
    assert store.asked == []
