"""``elicense demo newborn --base-url URL``: the newborn bundle (新生儿出生一件事), end to
end, against a running ``elicense serve --demo``, as a new user would watch it.

Over HTTP only (the standard library's ``urllib``), as the hospital and the demo parents:

0. the hospital issues the newborn's 出生医学证明, as it does at birth, before the family
   applies (:mod:`wallet.cli.demo_birth`; the demo admin token from ``serve --demo``);
1. both parents sign in (the demo accounts, password ``demo-password-1``);
2. the father files the application (he names the mother);
3. both approve the consent request the bundle sends them (用证授权);
4. the prefilled one form is shown; a conflict, if any, is resolved by keeping the
   first certificate's value, and the form is submitted with the typed fields;
5. each item's state change is printed with a progress bar until the application ends;
6. the outputs are listed, each fetched from the parents' wallets and checked at
   ``POST /verify``, and the father's old household register must read 05 失效.

Exit 0 only when all of that holds; 1 otherwise, naming what did not.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from issuers.errors import DemoFailed
from wallet.cli.demo_birth import HOSPITAL, admin_token, birth_fields
from wallet.cli.fields import UsageError

__all__ = ["NewbornDemo", "add_demo_verbs"]

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - the published demo credential
FATHER = "31010419900315123X"  # 张伟 (samples/citizens.json)
MOTHER = "320102199207082466"  # 李娜
TYPED = {"bank_card": "6217000010000000011", "phone": "13800138000"}
APPS = "/wallet/bundles/applications"
APPLY = "/wallet/bundles/newborn/applications"
FINAL = frozenset({"completed", "rejected", "refused", "cancelled", "failed"})


def add_demo_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    demo = verbs.add_parser("demo", help="guided demos against a running server")
    demo_verbs = demo.add_subparsers(dest="demo_verb", required=True)
    newborn = demo_verbs.add_parser(
        "newborn",
        help="run the newborn bundle end to end against `elicense serve --demo`",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    newborn.add_argument("--base-url", default="http://127.0.0.1:8000", help="the server")
    newborn.add_argument("--father", default=FATHER, help="the father's ID (the applicant)")
    newborn.add_argument("--mother", default=MOTHER, help="the mother's ID")
    newborn.add_argument("--timeout", type=float, default=120.0, help="seconds to wait in all")
    newborn.add_argument(
        "--admin-token",
        default=None,
        help="the hospital's issuing credential (default: ELICENSE_ADMIN_TOKEN, else the"
        " token `serve --demo` keeps in ELICENSE_DATA_DIR)",
    )
    newborn.set_defaults(handler=_run)


class _Http:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError("--base-url must be an http(s) URL")
        self.base = base.rstrip("/")

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(4096).decode("utf-8", "replace")
            raise DemoFailed(f"{method} {path}: HTTP {exc.code} {detail}") from None
        except OSError as exc:
            raise UsageError(f"cannot reach {self.base}: {exc}") from None
        return json.loads(raw) if raw else None


class NewbornDemo:
    def __init__(
        self, base_url: str, father: str, mother: str, out: Callable[[str], None] = print,
        admin_token: str = "",
    ) -> None:  # fmt: skip
        self.http = _Http(base_url)
        self.admin_token = admin_token
        self.father, self.mother = father, mother
        self.out = out
        self.tokens: dict[str, str] = {}

    def login(self, who: str) -> str:
        answer = self.http.call(
            "POST", "/wallet/login", {"id_number": who, "password": DEMO_PASSWORD}
        )
        self.tokens[who] = str(answer["token"])
        return self.tokens[who]

    def as_(self, who: str, method: str, path: str, body: Any = None) -> Any:
        return self.http.call(method, path, body, self.tokens[who])

    def old_register(self) -> dict[str, Any] | None:
        for summary in self.as_(self.father, "GET", "/wallet/certificates"):
            if summary["type"] == "household_register" and summary["status"] == "01":
                detail: dict[str, Any] = self.as_(
                    self.father, "GET", f"/wallet/certificates/{quote(summary['identifier'])}"
                )
                return detail
        return None

    def hospital_issues_birth(self) -> None:
        """Step 0, in the real order: the hospital issued the 出生医学证明 at birth."""
        father, mother = (
            (who, str(self.as_(who, "GET", "/wallet/me")["name"]))
            for who in (self.father, self.mother)
        )
        fields = birth_fields(father, mother, datetime.now(UTC))
        minted = self.http.call(
            "POST", f"/issuers/{HOSPITAL}/certificates",
            {"type": "birth_medical", "fields": fields}, self.admin_token,
        )  # fmt: skip
        number, name = fields["certificate_number"], fields["child_name"]
        self.out(f"0. 医院签发出生医学证明 the hospital issued the birth certificate {number}")
        self.out(f"   新生儿 {name}: {minted['identifier']}")

    def approve(self, who: str, request_id: str) -> None:
        """``who`` approves this application's request (and no other they may have)."""
        path = f"/wallet/consent/requests/{quote(request_id)}"
        request = self.as_(who, "POST", f"{path}/approve", {})
        self.out(f"  ✓ {who[-4:]} 同意了授权 approved: {request['service_name']}")

    def application(self, app_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.as_(self.father, "GET", f"{APPS}/{quote(app_id)}")
        return found

    def wait(self, app_id: str, until: Callable[[dict[str, Any]], bool], deadline: float,
             seen: dict[str, str]) -> dict[str, Any]:  # fmt: skip
        while True:
            app = self.application(app_id)
            self._show_changes(app, seen)
            if until(app):
                return app
            if time.monotonic() > deadline:
                raise DemoFailed(f"timed out waiting; the application is {app['state']}")
            time.sleep(0.3)

    def _show_changes(self, app: dict[str, Any], seen: dict[str, str]) -> None:
        if seen.get("") != app["state"]:
            seen[""] = app["state"]
            self.out(f"申请状态 application: {app['state']}")
        items = app.get("items", [])
        for item in items:
            if seen.get(item["code"]) != item["state"]:
                seen[item["code"]] = item["state"]
                done = sum(i["state"] == "done" for i in items)
                bar = "■" * done + "□" * (len(items) - done)
                name = item.get("name_zh", item["code"])
                self.out(f"  [{bar}] {done}/{len(items)}  {name}: {item['state']}")

    def run(self, timeout: float) -> list[str]:
        """The whole walk; returns the problems found (empty: all held)."""
        deadline = time.monotonic() + timeout
        self.out("1. 父母登录 the parents sign in")
        self.login(self.father)
        self.login(self.mother)
        self.hospital_issues_birth()
        old = self.old_register()
        self.out("2. 父亲提交新生儿出生一件事申请 the father applies")
        app = self.as_(self.father, "POST", APPLY, {"holders": {"mother": self.mother}})
        app_id = str(app["id"])
        self.out(f"   申请编号 application {app_id}")
        seen: dict[str, str] = {}
        self.out("3. 父母同意授权 both parents approve the consent request")
        app = self.wait(app_id, lambda a: a["consent_request_id"] is not None or
                        a["state"] != "awaiting_consent", deadline, seen)  # fmt: skip
        if app["consent_request_id"] is None:
            return [f"the application is {app['state']}, and asked for no consent"]
        for who in (self.father, self.mother):
            self.approve(who, str(app["consent_request_id"]))
        app = self.wait(app_id, lambda a: a["state"] != "awaiting_consent" and
                        a["state"] != "verifying", deadline, seen)  # fmt: skip
        if app["state"] != "awaiting_submit":
            return [f"the application is {app['state']}, not awaiting_submit"]
        self.out("4. 一表申请（已预填）the one form, prefilled")
        for code, field in app.get("form", {}).items():
            self.out(f"   {code}: {field.get('value')}  ← {field.get('source')}")
        for conflict in app.get("conflicts", []):
            kept = conflict["values"][0]["value"]
            self.out(f"   ! 不一致 conflict {conflict['field']}: keep {kept}")
            self.as_(self.father, "POST", f"{APPS}/{quote(app_id)}/resolve",
                     {"field": conflict["field"], "value": kept})  # fmt: skip
        self.as_(self.father, "POST", f"{APPS}/{quote(app_id)}/submit", {"typed": TYPED})
        self.out("5. 各部门并联办理 the departments at work")
        app = self.wait(app_id, lambda a: a["state"] in FINAL, deadline, seen)
        if app["state"] != "completed":
            return [f"the application ended {app['state']}: {app.get('failure_reason')}"]
        return self.check_outputs(app, old)

    def check_outputs(self, app: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
        problems = []
        self.out("6. 办理结果 the outputs, checked at POST /verify")
        for item in app.get("items", []):
            for output in item.get("outputs", []):
                identifier = output["identifier"]
                holder = self.father if self._holds(self.father, identifier) else self.mother
                detail = self.as_(holder, "GET", f"/wallet/certificates/{quote(identifier)}")
                verdict = (
                    self.http.call("POST", "/verify", {"qr": detail["qr"]})
                    if detail.get("qr")
                    else None
                )
                ok = verdict is not None and verdict["valid"]
                mark = "✓" if ok else "✗"
                self.out(f"   {mark} {detail['name_zh']} v{output.get('version', 1)} {identifier}")
                if not ok:
                    problems.append(f"{identifier} does not verify: {verdict}")
        if old is None:
            problems.append("the father had no valid household register before")
        else:
            now = self.as_(self.father, "GET", f"/wallet/certificates/{quote(old['identifier'])}")
            verdict = (
                self.http.call("POST", "/verify", {"qr": old["qr"]}) if old.get("qr") else None
            )
            self.out(f"   旧户口簿 old register: {now['status']} {now['status_name']}"
                     f" (verify: {None if verdict is None else verdict['code']})")  # fmt: skip
            if now["status"] != "05" or (verdict is not None and verdict["valid"]):
                problems.append("the old household register is not 05 失效")
        return problems

    def _holds(self, who: str, identifier: str) -> bool:
        return any(
            c["identifier"] == identifier for c in self.as_(who, "GET", "/wallet/certificates")
        )


def _run(args: argparse.Namespace) -> int:
    demo = NewbornDemo(
        args.base_url, args.father, args.mother, admin_token=admin_token(args.admin_token)
    )
    try:
        problems = demo.run(args.timeout)
    except DemoFailed as failure:
        problems = [str(failure)]
    for problem in problems:
        print(f"✗ {problem}")
    if not problems:
        print("✓ 新生儿出生一件事 办结：父母零材料，所有证照已入卡包并通过核验。")
    return 0 if not problems else 1
