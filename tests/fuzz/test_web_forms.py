"""Hypothesis over the HTML forms (not in the OpenAPI, so schemathesis never sees them):
any value in any field of the citizen's forms, posted with his session and a valid
CSRF token, and in the login forms and the inspector, gives a page (2xx, 303, 4xx),
never a 5xx nor a traceback.

Forms: /web/delegations (grant, revoke), /web/consent/{id}/approve|deny
(``on_behalf_of``), /web/grants/{id}/revoke, /web/bundles (start: ``bundle``,
``holder_<role>``), /web/bundles/{id}/resolve|submit|cancel, /web/login,
/web/admin/login, and the inspector's QR text. The ids are real (a pending consent
request and an approved grant of 张伟's) or drawn.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.app_fixtures import TEST_ADMIN_TOKEN
from tests.fuzz.kit import FUZZ
from tests.helpers import ZHANG_WEI, csrf_meta, web_login
from tests.wallet.consent.share_calls import approve_all, mint_spouses, requested
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services

WEB = settings(FUZZ, suppress_health_check=[*FUZZ.suppress_health_check,
                                            HealthCheck.function_scoped_fixture])  # fmt: skip
VALUES = (
    st.text(max_size=30)
    | st.sampled_from(["", " ", "\x00", "\u202e", "²", "9" * 400, "<script>", "310000", ZHANG_WEI])
    | st.from_regex(r"[0-9X]{18}", fullmatch=True)
    | st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True)
)
FIELDS = st.dictionaries(
    st.sampled_from(
        [
            "delegate_id_number",
            "type_slug",
            "bundle_item",
            "last_day",
            "on_behalf_of",
            "bundle",
            "holder_father",
            "holder_mother",
            "holder_x",
            "field",
            "value",
            "typed_x",
            "token",
            "id_number",
            "password",
            "payload",
            "other",
        ]
    ),
    VALUES,
    max_size=5,
)


def _posts(request_id: str, grant_id: str) -> st.SearchStrategy[str]:
    ids = st.sampled_from([request_id, grant_id, "x", "%00", "a" * 300]) | st.text(
        alphabet="abcXYZ019-_.%", min_size=1, max_size=12
    )
    return st.one_of(
        st.just("/web/delegations"),
        ids.map("/web/delegations/{}/revoke".format),
        st.tuples(ids, st.sampled_from(["approve", "deny", "revoke", "x"])).map(
            lambda t: f"/web/consent/{t[0]}/{t[1]}"
        ),
        ids.map("/web/grants/{}/revoke".format),
        st.just("/web/bundles"),
        st.tuples(ids, st.sampled_from(["resolve", "submit", "cancel"])).map(
            lambda t: f"/web/bundles/{t[0]}/{t[1]}"
        ),
    )


def _assert_a_page(response: Any, path: str) -> None:
    assert response.status_code < 500, (path, response.status_code, response.text[:300])
    assert "Traceback" not in response.text, path


def test_the_citizens_forms_take_anything(
    client: TestClient, services: Services, accounts: AccountService
) -> None:
    admin = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
    mint_spouses(client, admin)
    grant_id = requested(client, services)[2]
    approve_all(client, grant_id)
    request_id = requested(client, services, name="医保登记服务")[2]
    web_login(client, ZHANG_WEI)
    token = csrf_meta(client.get("/web/consent"))
    assert token is not None

    @given(path=_posts(request_id, grant_id), fields=FIELDS)
    @WEB
    def post(path: str, fields: dict[str, str]) -> None:
        response = client.post(path, data={**fields, "csrf_token": token}, follow_redirects=False)
        _assert_a_page(response, path)

    post()


def test_the_login_forms_and_the_inspector_take_anything(client: TestClient) -> None:
    @given(
        path=st.sampled_from(["/web/login", "/web/admin/login", "/inspector", "/web/logout"]),
        fields=FIELDS,
        without_token=st.booleans(),  # False, Hypothesis' favourite, sends the token
    )
    @WEB
    def post(path: str, fields: dict[str, str], without_token: bool) -> None:
        data = dict(fields)
        if not without_token:  # the page's own form token, so the checks behind it run
            page = client.get(path if path != "/web/logout" else "/web/login")
            found = [
                part.split('"')[0] for part in page.text.split('name="form_token" value="')[1:]
            ]
            if found:
                data["form_token"] = found[0]
        if path == "/inspector":  # a multipart form, as the page sends it
            parts = {
                name: (None, value.encode("utf-8", "surrogatepass")) for name, value in data.items()
            }
            response = client.post(path, files=parts, follow_redirects=False)
        else:
            response = client.post(path, data=data, follow_redirects=False)
        _assert_a_page(response, path)

    post()
