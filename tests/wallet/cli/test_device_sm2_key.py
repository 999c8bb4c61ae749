"""``elicense device register --alg SM2``: the phone's key file is made as an SM2 key
(PKCS #8 PEM, mode 0600) that Tongsuo reads too; an existing key of another algorithm
is a usage error rather than silently kept."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from tongsuopy.crypto.serialization import load_pem_private_key

from issuers.crypto.keys import Algorithm
from wallet.cli.device import load_or_create_key
from wallet.cli.fields import UsageError


def test_a_new_sm2_device_key_is_written_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "phone.pem"
    made = load_or_create_key(path, Algorithm.SM2)
    assert made.alg is Algorithm.SM2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_key(path)  # no --alg: whatever the file holds
    assert (again.alg, again.public.kid) == (Algorithm.SM2, made.public.kid)
    assert load_or_create_key(path, Algorithm.SM2).public.kid == made.public.kid
    native = load_pem_private_key(path.read_bytes(), password=None)  # Tongsuo, not ours
    assert native.private_numbers().private_value == made.key.d  # type: ignore[union-attr]


def test_without_alg_the_key_is_ed25519_and_another_alg_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "phone.pem"
    assert load_or_create_key(path).alg is Algorithm.EDDSA
    with pytest.raises(UsageError, match="holds an EdDSA key, not SM2"):
        load_or_create_key(path, Algorithm.SM2)
