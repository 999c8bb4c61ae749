"""What the engine tests share: a tiny bundle (two parents, three items: two in
parallel, the third after both), instant handlers, a minter that remembers its keys,
and the workflow runtime launched over the test's services. Not a test module."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from issuers.errors import NotFound
from tests.helpers import LI_NA, PUBLIC_SECURITY, ZHANG_WEI
from tests.wallet.consent.share_calls import _ZHANG_ID, LI_NA_ID_FIELDS
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.engine import WorkflowRuntime
from wallet.bundles.engine.setup import RuntimeParts, build_runtime
from wallet.bundles.handlers.base import Handler, ItemContext, ItemOutcome, Minted, Minter, Rejected
from wallet.bundles.records import ApplicationView
from wallet.server.wiring import Services

CLIENT_ID = "tiny-bundle-service"
MOTHER, FATHER = LI_NA, ZHANG_WEI
_ID_CLAIMS = ["name", "address", "id_number"]


def _item(code: str, handler: str, depends_on: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "code": code, "name_zh": f"事项{code}", "name_en": code, "department": "public_security",
        "department_name_zh": "公安分局", "handler": handler, "depends_on": depends_on,
        "inputs": ["address"], "certificates": {"resident_id": _ID_CLAIMS},
    }  # fmt: skip


def tiny_bundle(second_handler: str = "instant") -> BundleDefinition:
    return BundleDefinition.model_validate(
        {
            "bundle": "tiny_bundle", "version": 1, "name_zh": "测试一件事", "name_en": "Tiny",
            "region_code": "310000", "service_client": CLIENT_ID,
            "roles": [
                {"code": "mother", "name_zh": "母亲", "applicant": True},
                {"code": "father", "name_zh": "父亲"},
            ],
            "supplies": [
                {"role": r, "type": "resident_id", "claims": _ID_CLAIMS,
                 "material_zh": f"{n}身份证复印件"}
                for r, n in (("mother", "母亲"), ("father", "父亲"))
            ],
            "form": [
                {"code": "address", "label_zh": "住址", "sources": [
                    {"role": "mother", "type": "resident_id", "claim": "address"},
                    {"role": "father", "type": "resident_id", "claim": "address"}]},
                {"code": "mother_name", "label_zh": "母亲姓名", "sources": [
                    {"role": "mother", "type": "resident_id", "claim": "name"}]},
                {"code": "baby_name", "label_zh": "新生儿姓名",
                 "typed": {"kind": "chinese_name"}},
            ],
            "items": [
                _item("one", "instant"), _item("two", second_handler),
                _item("three", "instant", ("one", "two")),
            ],
            "baseline": {"steps": 5, "forms": 3, "days": 10, "trips": 3, "materials": 2,
                         "target_steps": 1, "target_forms": 1, "target_days": 1,
                         "source": "test"},
        }
    )  # fmt: skip


class KeyedMinter:
    """Mints (pretends to) once per key and counts every call."""

    def __init__(self) -> None:
        self.minted: dict[str, Minted] = {}
        self.calls: list[str] = []

    def mint(
        self, key: str, type_slug: str, issuer_uscc: str, fields: Mapping[str, Any],
        *, valid_from: date | None = None,
    ) -> Minted:  # fmt: skip
        self.calls.append(key)
        if key not in self.minted:
            holders = tuple(
                str(fields["holder"]),
            )
            self.minted[key] = Minted(f"id-{len(self.minted)}", type_slug, issuer_uscc, holders)
        return self.minted[key]

    def reissue(self, key: str, identifier: str, fields: Mapping[str, Any]) -> Minted:
        raise NotImplementedError

    def current(self, type_slug: str, holder: str) -> tuple[str, Mapping[str, Any]] | None:
        return None


def _instant(context: ItemContext, minter: Minter) -> ItemOutcome:
    minted = minter.mint(
        context.mint_key(0), "resident_id", PUBLIC_SECURITY,
        {"holder": context.holders["mother"], "address": context.form["address"]},
    )  # fmt: skip
    return ItemOutcome(minted=[minted], facts={"done_by": context.item.code}, note_zh="准予")


def _refuse(context: ItemContext, minter: Minter) -> ItemOutcome:
    raise Rejected("not_eligible", "不符合办理条件")


HANDLERS: Mapping[str, Handler] = {"instant": _instant, "refuse": _refuse}


def register_client(services: Services) -> None:
    services.clients.add(
        "测试一件事服务", PUBLIC_SECURITY, ["tiny_bundle"], "client_secret_basic",
        client_id=CLIENT_ID,
    )  # fmt: skip


def mint_parents(
    client: TestClient, admin_headers: dict[str, str], mother_address: str | None = None
) -> None:
    mother = dict(LI_NA_ID_FIELDS)
    if mother_address is not None:
        mother["address"] = mother_address
    for fields in (_ZHANG_ID["fields"], mother):
        response = client.post(
            f"/issuers/{PUBLIC_SECURITY}/certificates",
            json={"type": "resident_id", "fields": fields},
            headers=admin_headers,
        )
        assert response.status_code == 201, response.text


def launched(services: Services, minter: Minter, **options: Any) -> WorkflowRuntime:
    parts = RuntimeParts(
        services.settings.resolved_database_url, services.bundles, HANDLERS, minter,
        services.consent, services.pulls, services.clients, services.verifier, services.clock,
    )  # fmt: skip
    runtime = build_runtime(parts, poll_seconds=0.05, **options)
    runtime.launch()
    return runtime


def wait_for(
    services: Services, application_id: str, done: Callable[[ApplicationView], bool],
    timeout: float = 15.0,
) -> ApplicationView:  # fmt: skip
    deadline = time.monotonic() + timeout
    while True:
        try:
            view = services.bundles.view_any(application_id)
        except NotFound:
            view = None
        if view is not None and done(view):
            return view
        if time.monotonic() > deadline:
            state = None if view is None else (view.application.state, view.timeline)
            raise AssertionError(f"timed out waiting; last seen {state}")
        time.sleep(0.05)


class RunningClock:
    """Real time, from a point the test may move."""

    def __init__(self, start: datetime) -> None:
        self.jump_to(start)

    def jump_to(self, at: datetime) -> None:
        self._base, self._t0 = at, time.monotonic()

    def __call__(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._t0)
