"""A real consent story for the audit reading tests: a service asks both spouses for ID
card and marriage certificate, both approve, the service pulls, 张伟 revokes. Not a
test module: the audit API and page tests import it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import LI_NA, ZHANG_WEI
from tests.wallet.citizens import MARRIAGE
from tests.wallet.consent.consent_calls import decide
from tests.wallet.consent.share_calls import (
    LI_NA_ID_FIELDS,
    approve_all,
    mint_spouses,
    pull,
    requested,
)
from wallet.server.wiring import Services

SECRETS = (
    ZHANG_WEI,
    LI_NA,
    "张伟",
    "李娜",
    MARRIAGE["fields"]["certificate_number"],
    LI_NA_ID_FIELDS["address"],
)
"""Values the story shares (ID numbers, names, the certificate number, the address on
the ID card): none may appear in an audit reading, which names claims, never values."""


def consent_story(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> dict[str, dict[str, str]]:
    """Run the story; the spouses' API session headers."""
    mint_spouses(client, admin_headers)
    _, service, grant_id = requested(client, services)
    sessions = approve_all(client, grant_id)
    pulled = pull(client, service, grant_id)
    assert pulled.status_code == 200, pulled.text
    assert decide(client, sessions[ZHANG_WEI], grant_id, "revoke").status_code == 200
    return sessions


def by_kind(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The newest entry of each kind."""
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        found.setdefault(entry["kind"], entry)
    return found
