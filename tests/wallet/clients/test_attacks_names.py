"""A client's name is what each citizen reads as the service asking for their
certificates: it holds no control or invisible characters."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import assert_error
from tests.wallet.clients.client_calls import HUKOU_USCC


@pytest.mark.parametrize("name", ["户政\x00科", "户政\n科", "户政科\u202e局安公", "户\u200b政科"])
def test_a_name_with_control_or_format_characters_is_refused_and_nothing_stored(
    client: TestClient, admin_headers: dict[str, str], name: str
) -> None:
    """A NUL (which PostgreSQL text refuses), a line break, a bidi override or an
    invisible character would let a name hide or reorder what the citizen reads."""
    body = {"name": name, "uscc": HUKOU_USCC, "bundle_items": ["birth_registration"]}
    response = client.post("/admin/clients", json=body, headers=admin_headers)
    assert_error(response, 422, "invalid_input", "name")
    assert client.get("/admin/clients", headers=admin_headers).json() == []
