"""Property-based API testing with schemathesis 4.x against the app's own OpenAPI.

Every operation of ``/openapi.json`` gets generated requests (valid and invalid) sent
in-process over ASGI, with the admin bearer token so the mint route is exercised past
its auth check, and every default check runs on each response:
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
``response_schema_conformance``, ``response_headers_conformance``,
``negative_data_rejection``, ``positive_data_acceptance``, ``ignored_auth`` and the rest
of schemathesis' defaults. The database is the ``database_url`` fixture's, so the run
works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

import pytest
from tests.app_fixtures import TEST_ADMIN_TOKEN


@pytest.fixture
def api_schema(app: FastAPI) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
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
def test_api_conforms_to_its_openapi(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"})
