"""Property-based API testing with schemathesis 4.x against the app's own OpenAPI.

Every operation in ``/openapi.json`` gets generated requests, schema-conforming
(positive) and schema-violating (negative), sent in-process over ASGI with the admin
bearer token (so the mint route is exercised past its auth check). Every default check
runs on each response: ``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance``, ``response_schema_conformance``,
``response_headers_conformance``, ``negative_data_rejection``,
``positive_data_acceptance``, ``ignored_auth`` and the rest of schemathesis' defaults.

Why not ``schemathesis.pytest.from_fixture(...).parametrize()``: its lazy loader reads
``request.node._nodeid``, which pytest 9 no longer has (AttributeError). So the test is
parametrized here over the operations of the app's OpenAPI (read once at collection
from an app that touches no database), and each case builds its strategy with
:meth:`APIOperation.as_strategy` against the per-test ``app`` fixture, whose database
comes from ``database_url`` (SQLite or PostgreSQL).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from issuers.errors import OAuthError, all_error_classes
from tests.app_fixtures import TEST_ADMIN_TOKEN, TEST_MASTER_KEY
from tests.helpers import PUBLIC_SECURITY
from tests.wallet.consent.consent_calls import NEWBORN_ITEMS
from wallet.server.app import create_app, services_of
from wallet.server.settings import Settings

AUTH = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}


def _spec() -> dict[str, Any]:
    """The app's OpenAPI document, from an app that touches no database."""
    settings_ = Settings(
        demo=False,
        database_url="sqlite://",  # never connected to: prepare=False touches no database
        master_key=base64.b64encode(TEST_MASTER_KEY).decode(),
        admin_token=TEST_ADMIN_TOKEN,
    )
    spec: dict[str, Any] = create_app(settings_, prepare=False).openapi()
    return spec


SPEC = _spec()
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
# (method, path, generation mode) for every documented operation, so a new route is
# covered without editing this file. An operation with neither parameters nor a body
# has no schema-violating input at all (Hypothesis reports Unsatisfiable): positive only.
CASES = sorted(
    (method.upper(), path, mode)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in HTTP_METHODS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE
    or operation.get("parameters")
    or operation.get("requestBody")
)
OPERATIONS = sorted({(method, path) for method, path, _ in CASES})

# positive_data_acceptance assumes "schema-valid request => not 4xx". These two
# operations are deliberately stricter than their JSON Schema can say: /codes/check
# answers a well-formed but wrong national code with 422 naming "value" (its contract,
# tested in test_api.py), and the mint body's "fields" is per-type (pydantic models,
# check digits) while OpenAPI shows a free-form object, so a schema-valid mint is
# usually a 422 schema_invalid / check_digit_mismatch. Every other check still runs.
# /verify/image: schema-valid random bytes are not a PNG/JPEG holding a QR code, which
# no OpenAPI schema can express, so a typed 422 is the right answer there too.
# /wallet/login: a schema-valid 18-character id_number usually fails the GB 11643 check
# digit (a typed 422 naming id_number, tested in test_accounts.py); one that passes has
# no account here and gets the 401 schemathesis accepts.
# PUT /wallet/holder-key: a schema-valid JWK object is rarely a real Ed25519 or P-256
# key (422 invalid_input), and a schema-valid nonce string rarely base64url of 1-16
# bytes (422 on the presentation route).
# Issue 10's routes, each stricter than its schema for a reason the schema cannot carry:
# POST /admin/clients: the USCC's GB 32100 check character, and bundle items that exist
# (data in samples/bundles/), 422 naming the field. POST /consent/requests: each
# holder's GB 11643 check digit, a bundle item the client was registered for, types and
# claims within that item (422 beyond_bundle_item naming the field), at least one holder,
# a purpose of 1-200 characters once trimmed, an expiry in range. POST /oauth/token:
# RFC 6749 rules across parameters (one client authentication method, not Basic and an
# assertion; an assertion that is a signed JWT) answer 400 invalid_request, as §5.2
# says. The citizen's decisions (approve, deny, revoke, prepare): on_behalf_of is a
# GB 11643 number, check digit included (422 naming it, before any lookup).
# POST /wallet/delegations: the delegate's GB 11643 check digit, a catalogue type, an
# expiry in the future and within 366 days.
# POST /wallet/bundles/{code}/applications (issue 11): the roles the bundle's definition
# names (data in samples/bundles/), each holder's GB 11643 check digit, and every
# required role named or its certificate presented (422 naming the field).
# POST .../applications/{application_id}/resolve: a number is a JSON integer as written
# (StrictInt, as every number of the consent bodies: 2.0 is not 2, a resolved value
# keeps the kind the certificates gave it), where JSON Schema's "integer" takes 2.0; found
# by tests/fuzz/test_api_every_check.py.
STRICTER_THAN_SCHEMA = {
    ("POST", "/codes/check"),
    ("POST", "/issuers/{uscc}/certificates"),
    ("POST", "/verify/image"),
    ("POST", "/wallet/login"),
    ("PUT", "/wallet/holder-key"),
    ("POST", "/wallet/certificates/{identifier}/presentation"),
    ("POST", "/admin/clients"),
    ("POST", "/consent/requests"),
    ("POST", "/oauth/token"),
    ("POST", "/wallet/consent/requests/{request_id}/approve"),
    ("POST", "/wallet/consent/requests/{request_id}/deny"),
    ("POST", "/wallet/consent/requests/{request_id}/prepare"),
    ("POST", "/wallet/consent/grants/{grant_id}/revoke"),
    ("POST", "/wallet/delegations"),
    ("POST", "/wallet/bundles/{code}/applications"),
    ("POST", "/wallet/bundles/applications/{application_id}/resolve"),
}
CITIZEN = ("31010419900315123X", "张伟", "schemathesis-citizen-pw")  # synthetic

# A 413 from the 64 KiB body cap is a correct refusal of schema-violating (too long)
# data, so negative_data_rejection accepts it. Whether 413 is *documented* is still
# checked by status_code_conformance. An explicit config also keeps a stray
# schemathesis.toml from changing what this test checks.
# schemathesis 4.x's defaults plus 413; 5xx is still caught by not_a_server_error.
NEGATIVE_REJECTION_STATUSES = [
    *("400", "401", "403", "404", "405", "406", "409"),
    *("413", "415", "422", "428", "429", "5xx"),
]
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": NEGATIVE_REJECTION_STATUSES,
            }
        }
    }
)


def test_the_operation_list_is_not_empty() -> None:
    assert ("POST", "/verify") in OPERATIONS
    assert ("POST", "/issuers/{uscc}/certificates") in OPERATIONS
    assert ("POST", "/verify", GenerationMode.NEGATIVE) in CASES
    assert set(OPERATIONS) >= STRICTER_THAN_SCHEMA


def _error_statuses(operation: dict[str, Any]) -> list[str]:
    return [status for status in operation["responses"] if status[0] in "45"]


# The token endpoint answers its own failures in RFC 6749 §5.2's shape,
# {"error", "error_description"}, which OAuth client libraries read; the body cap's 413
# in front of it is still ours.
OAUTH_ERRORS = {("POST", "/oauth/token", "400"), ("POST", "/oauth/token", "401")}


def _expected_error_schema(method: str, path: str, status: str) -> str:
    return "/OAuthErrorOut" if (method, path, status) in OAUTH_ERRORS else "/ErrorBody"


def test_documented_errors_describe_the_error_body() -> None:
    """Clients generated from /openapi.json must expect what the API sends:
    ``{"error": {"code", "message", ...}}`` (wallet.server.error_handlers.ErrorBody) for every
    documented 4xx/5xx, not FastAPI's ``{"detail": [...]}`` nor an empty description
    (the token endpoint's RFC 6749 §5.2 errors aside: OAuthErrorOut); and every
    operation with a body documents the 413 the body cap sends."""
    problems = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            for status in _error_statuses(operation):
                content = operation["responses"][status].get("content", {})
                ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                if not ref.endswith(_expected_error_schema(method.upper(), path, status)):
                    problems.append(f"{method.upper()} {path} {status}: schema {ref or 'none'}")
            if operation.get("requestBody") and "413" not in operation["responses"]:
                problems.append(f"{method.upper()} {path}: 413 not documented")
    assert not problems, "\n".join(problems)


def test_the_oauth_error_schema_is_rfc_6749_section_5_2() -> None:
    """Every documented OAuth error names the §5.2 body, whose ``error`` lists exactly
    the codes the token endpoint can send (the OAuthError family)."""
    for method, path, status in OAUTH_ERRORS:
        response = SPEC["paths"][path][method.lower()]["responses"][status]
        ref = response["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/OAuthErrorOut"
    schema = SPEC["components"]["schemas"]["OAuthErrorOut"]
    assert set(schema["required"]) == {"error", "error_description"}
    assert set(schema["properties"]) == {"error", "error_description"}
    codes = {cls.code for cls in all_error_classes() if issubclass(cls, OAuthError)}
    assert set(schema["properties"]["error"]["enum"]) == codes


def _credentials(app: FastAPI, path: str) -> dict[str, str]:
    """Each route is exercised past its auth check with real credentials: a citizen's
    session on /wallet/*, a service's access token (both scopes) on /consent/*, the
    service's HTTP Basic credentials at the token endpoint, the admin token elsewhere."""
    services = services_of(app)
    if path.startswith("/wallet/") and path != "/wallet/login":
        id_number, name, password = CITIZEN
        services.accounts.register(id_number, name, password)
        token = services.accounts.login(id_number, password).token
        return {"Authorization": f"Bearer {token}"}
    if path.startswith("/consent/") or path == "/oauth/token":
        client, secret = services.clients.add(
            "出生登记服务", PUBLIC_SECURITY, NEWBORN_ITEMS, "client_secret_basic"
        )
        assert secret is not None
        if path == "/oauth/token":
            pair = f"{client.client_id}:{secret}".encode()  # both are URL-safe already
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        scopes = "consent:request consent:pull"
        issued = services.clients.token(
            "client_credentials", scopes, basic=(client.client_id, secret)
        )
        return {"Authorization": f"Bearer {issued.access_token}"}
    return AUTH


@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{m} {p} {mode.value}" for m, p, mode in CASES]
)
def test_api_conforms_to_its_openapi(
    app: FastAPI, method: str, path: str, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
    operation = schema[path][method]
    excluded = [positive_data_acceptance] if (method, path) in STRICTER_THAN_SCHEMA else []
    headers = _credentials(app, path)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=30,
        deadline=None,
        database=None,  # no .hypothesis/ directory in the working tree
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    run()
