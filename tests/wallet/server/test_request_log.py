"""One log line per request (wallet.server.request_log) and the log formats
(wallet.server.logs): what a line holds, the request id, templates not paths."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers import PUBLIC_SECURITY, ZHANG_WEI
from wallet.server.logs import JsonFormatter, TextFormatter, log_config, log_format

ACCESS = "elicense.access"


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == ACCESS]


def test_a_request_line_names_the_route_template(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, ACCESS)
    response = client.get(f"/issuers/{PUBLIC_SECURITY}", params={"q": ZHANG_WEI})
    (line,) = _lines(caplog)
    assert line["method"] == "GET"
    assert line["route"] == "/issuers/{uscc}"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["request_id"] == response.headers["x-request-id"]
    assert isinstance(line["pid"], int)
    assert PUBLIC_SECURITY not in json.dumps(line)  # the template, not the path
    assert ZHANG_WEI not in json.dumps(line)  # no query string


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("HEAD", "/web/login", "/web/login"),  # answered as GET, logged under its route
        ("GET", "/static/web/show.js", "/static/web/{path}"),
        ("GET", f"/nothing/{ZHANG_WEI}", None),  # unmatched: no path at all
        ("DELETE", "/healthz", "/healthz"),  # 405: the route is known
        ("GET", "/openapi.json", "/openapi.json"),  # a plain Starlette route
    ],
)
def test_routes_mounts_head_and_unmatched(
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    route: str | None,
) -> None:
    caplog.set_level(logging.INFO, ACCESS)
    response = client.request(method, path)
    (line,) = _lines(caplog)
    assert (line["method"], line["route"], line["status"]) == (
        method,
        route,
        response.status_code,
    )


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("0f8fa4b2-5d1c-4b7e-9a0e-1c2d3e4f5a6b", True),  # a UUID
        ("edge.proxy-42_abc", True),
        ("short", False),
        ("x" * 65, False),
        ("has space here", False),
        (f"id-{ZHANG_WEI[:17]}", False),  # a run of 15+ digits: an ID number, perhaps
        (f"id-{ZHANG_WEI[:6]}-{ZHANG_WEI[6:14]}-{ZHANG_WEI[14:]}", False),  # split by -
        (f"{ZHANG_WEI[:6]}.{ZHANG_WEI[6:14]}_{ZHANG_WEI[14:17]}", False),  # or . and _
    ],
)
def test_an_incoming_request_id_is_kept_when_sane(
    client: TestClient, caplog: pytest.LogCaptureFixture, sent: str, kept: bool
) -> None:
    caplog.set_level(logging.INFO, ACCESS)
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    (line,) = _lines(caplog)
    assert line["request_id"] == response.headers["x-request-id"]
    assert (line["request_id"] == sent) is kept
    if not kept:
        assert len(line["request_id"]) == 16


def test_an_exception_is_logged_as_500_by_type_not_message(
    app: FastAPI, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise ValueError(f"quoted input {ZHANG_WEI}")

    app.add_api_route("/test-only/broken", broken, methods=["GET"])
    caplog.set_level(logging.INFO)
    response = client.get("/test-only/broken")
    assert response.status_code == 500
    (line,) = _lines(caplog)
    assert response.headers.get_list("x-request-id") == [line["request_id"]]  # once
    assert (line["route"], line["status"]) == ("/test-only/broken", 500)
    (error,) = [r for r in caplog.records if r.exc_info]
    rendered = JsonFormatter().format(error)
    fields = json.loads(rendered)
    assert fields["exc_type"] == "ValueError"
    assert fields["request_id"] == line["request_id"]
    assert any("in broken" in frame for frame in fields["stack"])
    assert ZHANG_WEI not in rendered
    assert ZHANG_WEI not in TextFormatter().format(error)


def test_the_text_format_and_the_setting() -> None:
    record = logging.makeLogRecord(
        {"msg": "request", "levelname": "INFO", "name": ACCESS, "fields": {"status": 200}}
    )
    assert (
        TextFormatter().format(record).endswith(f"{ACCESS} [{record.process}]: request status=200")
    )
    assert log_format({}) == "json"
    assert log_format({"ELICENSE_LOG_FORMAT": "text"}) == "text"
    with pytest.raises(ValueError, match="json or text"):
        log_format({"ELICENSE_LOG_FORMAT": "xml"})
    config = log_config("text")
    assert config["formatters"]["main"]["()"].endswith("TextFormatter")
    assert config["loggers"]["uvicorn.access"]["propagate"] is False
