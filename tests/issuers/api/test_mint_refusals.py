"""Mints the API refuses, each with a typed error naming the field: bad check
characters (GB 11643), schema problems, unknown types and issuers, a type the issuer
may not issue, and impossible validity dates; a refused mint writes no rows.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers import (
    CIVIL_AFFAIRS,
    PUBLIC_SECURITY,
    assert_error,
    row_counts,
    sample,
)
from wallet.server.app import services_of


def test_bad_check_digit_in_id_number_is_422_naming_the_field(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    item = sample("resident_id")
    item["fields"]["id_number"] = "310104199003151230"  # correct check character is X
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 422, "check_digit_mismatch", field="id_number")


def test_bad_check_digit_in_a_nested_id_number_names_the_dotted_path(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    item = sample("marriage")
    item["fields"]["party_b"]["id_number"] = "320102199207082467"  # correct check is 6
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        json={"type": "marriage", "fields": item["fields"]},
        headers=admin_headers,
    )
    error = assert_error(response, 422, "check_digit_mismatch", field="party_b.id_number")
    assert any(d["field"] == "party_b.id_number" for d in error["details"])


def test_schema_problems_are_422_schema_invalid(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    item = sample("resident_id")
    del item["fields"]["name"]
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 422, "schema_invalid", field="name")


def test_unknown_type_is_404(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "no_such_type", "fields": {}},
        headers=admin_headers,
    )
    assert_error(response, 404, "not_found", field="type")


def test_unknown_issuer_mint_is_404(client: TestClient, admin_headers: dict[str, str]) -> None:
    item = sample("resident_id")
    response = client.post(
        "/issuers/91310115591693856A/certificates",
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 404, "not_found")


def test_type_not_allowed_for_issuer_is_403(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI
) -> None:
    before = row_counts(services_of(app).engine)
    item = sample("resident_id")
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",  # civil affairs may only issue marriage
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 403, "forbidden", field="type")
    assert row_counts(services_of(app).engine) == before


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"valid_until": "9999-12-31"}, "valid_until"),
        ({"valid_from": "2026-01-02", "valid_until": "2026-01-01"}, "valid_until"),
        ({"valid_from": "not-a-date"}, "valid_from"),
    ],
    ids=["end-of-calendar", "end-before-start", "not-a-date"],
)
def test_impossible_validity_is_422_not_500(
    client: TestClient,
    admin_headers: dict[str, str],
    app: FastAPI,
    extra: dict[str, str],
    field: str,
) -> None:
    item = sample("marriage")
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        json={"type": "marriage", "fields": item["fields"], **extra},
        headers=admin_headers,
    )
    error = assert_error(response, 422, "invalid_input")
    assert field in (error.get("field") or ""), error
    assert row_counts(services_of(app).engine) == (0, 0)
