"""``POST /codes/check``: resident ID numbers (GB 11643), unified social credit
codes (GB 32100), region codes (GB/T 2260) and certificate identifiers, valid and not.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import (
    assert_error,
)


@pytest.mark.parametrize(
    ("kind", "value", "normalized"),
    [
        ("resident_id", "11010519491231002X", "11010519491231002X"),
        ("resident_id", "11010519491231002x", "11010519491231002X"),
        ("uscc", "91310115591693856A", "91310115591693856A"),
        ("region", "310104", "310104"),
        (
            "identifier",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
        ),
    ],
)
def test_code_check_valid(client: TestClient, kind: str, value: str, normalized: str) -> None:
    response = client.post("/codes/check", json={"kind": kind, "value": value})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is True
    assert body["normalized"] == normalized


def test_code_check_details(client: TestClient) -> None:
    body = client.post(
        "/codes/check", json={"kind": "resident_id", "value": "11010519491231002X"}
    ).json()
    assert body["details"] == {"region_code": "110105", "birth_date": "1949-12-31", "sex_code": 2}


@pytest.mark.parametrize(
    ("kind", "value", "codes"),
    [
        ("resident_id", "110105194912310021", {"check_digit_mismatch"}),
        ("resident_id", "1101051949123100", {"invalid_code"}),
        ("resident_id", "11010519491331002X", {"invalid_code", "check_digit_mismatch"}),
        ("uscc", "91310115591693856B", {"check_digit_mismatch"}),
        ("uscc", "91310115591693856", {"invalid_code"}),
        ("uscc", "9131011559169385IA", {"invalid_code"}),
        ("region", "31010", {"invalid_code"}),
        ("region", "abcdef", {"invalid_code"}),
        (
            "identifier",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.G",
            {"check_digit_mismatch"},
        ),
        ("identifier", "1.2.156.3005.2.nope", {"invalid_code"}),
    ],
)
def test_code_check_invalid_is_422_naming_value(
    client: TestClient, kind: str, value: str, codes: set[str]
) -> None:
    response = client.post("/codes/check", json={"kind": kind, "value": value})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] in codes, error
    assert error["field"] == "value"
    assert error["message"]


def test_code_check_unknown_kind_is_422(client: TestClient) -> None:
    response = client.post("/codes/check", json={"kind": "passport", "value": "E12345678"})
    assert_error(response, 422, "invalid_input", field="kind")
