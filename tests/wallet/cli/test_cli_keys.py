"""``elicense keys`` and ``elicense trust``: the lifecycle from the shell, checked with
the pure verifier code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from issuers.crypto.keys import VerifyingKey
from issuers.errors import KeyCompromised
from issuers.trust import TrustAnchor, TrustListKeyResolver, verify_trust_list
from tests.helpers import sample
from verifiers.qr import verify_qr
from wallet.cli.main import main

ZJ = "11330000000000003M"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.mark.usefixtures("cli_env")
def test_rotate_export_compromise(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fields = tmp_path / "permit.json"
    fields.write_text(json.dumps(sample("road_transport_permit")["fields"]), "utf-8")
    mint = ["mint", "road_transport_permit", "--issuer", ZJ, "--json", "--fields-json", str(fields)]
    old = json.loads(_run(capsys, *mint)[1])
    code, out = _run(capsys, "keys", "rotate", ZJ)
    assert code == 0
    new_kid = json.loads(out)["kid"]
    new = json.loads(_run(capsys, *mint)[1])
    assert new["kid"] == new_kid != old["kid"]

    code, out = _run(capsys, "trust", "anchors")
    anchors = {
        a["region_code"]: TrustAnchor(VerifyingKey.from_jwk(a["jwk"]), a["region_code"])
        for a in json.loads(out)
    }
    assert code == 0
    assert "330000" in anchors
    exported = tmp_path / "zj.jwt"
    assert _run(capsys, "trust", "export", "330000", "--out", str(exported))[0] == 0
    now = datetime.now(UTC)
    listed = verify_trust_list(exported.read_text().strip(), anchors=[anchors["330000"]], now=now)
    resolver = TrustListKeyResolver([listed])
    for credential in (old, new):
        assert (
            verify_qr(credential["qr"], keys=resolver, now=now).identifier
            == credential["identifier"]
        )

    assert _run(capsys, "keys", "compromise", old["kid"])[0] == 0
    assert _run(capsys, "trust", "export", "330000", "--out", str(exported))[0] == 0
    listed = verify_trust_list(exported.read_text().strip(), anchors=[anchors["330000"]], now=now)
    with pytest.raises(KeyCompromised):
        verify_qr(old["qr"], keys=TrustListKeyResolver([listed]), now=now)
    assert verify_qr(new["qr"], keys=TrustListKeyResolver([listed]), now=now).identifier


@pytest.mark.usefixtures("cli_env")
def test_unknown_kid_and_region_are_typed_failures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "compromise", "no-such-kid"]) == 1
    assert main(["trust", "export", "440000"]) == 1
    assert "not_found" in capsys.readouterr().err
