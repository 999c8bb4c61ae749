"""电子证照标识 (e-licence identifier), GB/T 36904-2018.

Layout::

    1.2.156.3005.2.<type code 21>.<issuer USCC 18>.<serial>.<version 3>.<check>

The root ``1.2.156.3005.2`` is the OID arc for 电子证照. The check character is
ISO 7064 MOD 37,36 over the type code, the issuer code, the serial and the version
joined without the root and without the dots. Real example:
``1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F``.

We are strict when we issue, and lenient (a warning, not an error) when we ingest a
foreign identifier whose check character we cannot reproduce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from issuers.codes.gb32100 import validate_uscc
from issuers.codes.iso7064 import mod37_36_check
from issuers.errors import CheckDigitMismatch, InvalidCode

ROOT = "1.2.156.3005.2"
_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
_USCC = re.compile(r"[0-9A-Z]{18}")
_SERIAL = re.compile(r"[0-9A-Z]{1,24}")
_VERSION = re.compile(r"[0-9]{3}")
_WHOLE = re.compile(
    r"1\.2\.156\.3005\.2\.([0-9A-Z]{18}[0-9]{3})\.([0-9A-Z]{18})\.([0-9A-Z]{1,24})\.([0-9]{3})\.([^.]*)"
)


@dataclass(frozen=True, slots=True)
class LicenceIdentifier:
    type_code: str
    issuer_code: str
    serial: str
    version: str
    check: str
    warnings: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return ".".join(
            (ROOT, self.type_code, self.issuer_code, self.serial, self.version, self.check)
        )


def identifier_check(type_code: str, issuer_code: str, serial: str, version: str) -> str:
    # The type and issuer codes recur (one pair per issuer and type): their state is
    # kept, and only the serial and version are walked on each verify.
    return mod37_36_check(serial + version, after=type_code + issuer_code)


def build_identifier(type_code: str, issuer_code: str, serial: int | str, version: int = 1) -> str:
    """Build an identifier for a certificate we issue (all parts strictly checked)."""
    serial_text = str(serial)
    version_text = f"{version:03d}"
    _check_parts(type_code, issuer_code, serial_text, version_text, field="identifier")
    validate_uscc(issuer_code, field="issuer_uscc")
    check = identifier_check(type_code, issuer_code, serial_text, version_text)
    return str(LicenceIdentifier(type_code, issuer_code, serial_text, version_text, check))


def parse_identifier(
    value: str, *, strict: bool = True, field: str = "identifier"
) -> LicenceIdentifier:
    """Parse an identifier. ``strict=False`` turns a check mismatch into a warning."""
    whole = _WHOLE.fullmatch(value) if isinstance(value, str) else None
    if whole is not None:  # the common case, in one regex; errors take the long road
        type_code, issuer_code, serial, version, check = whole.groups()
        return _checked(type_code, issuer_code, serial, version, check, strict, field)
    if not isinstance(value, str) or not value.startswith(ROOT + "."):
        raise InvalidCode(f"电子证照标识 must start with {ROOT}. (GB/T 36904)", field=field)
    parts = value[len(ROOT) + 1 :].split(".")
    if len(parts) != 5:
        raise InvalidCode(
            "电子证照标识 must have type code, issuer code, serial, version and check "
            "after the root (GB/T 36904)",
            field=field,
        )
    type_code, issuer_code, serial, version, check = parts
    _check_parts(type_code, issuer_code, serial, version, field=field)
    return _checked(type_code, issuer_code, serial, version, check, strict, field)


def _checked(
    type_code: str,
    issuer_code: str,
    serial: str,
    version: str,
    check: str,
    strict: bool,
    field: str,
) -> LicenceIdentifier:
    expected = identifier_check(type_code, issuer_code, serial, version)
    warnings: tuple[str, ...] = ()
    if check != expected:
        message = f"电子证照标识 check character is {check}, MOD 37,36 gives {expected}"
        if strict:
            raise CheckDigitMismatch(message, field=field)
        warnings = (message,)
    return LicenceIdentifier(type_code, issuer_code, serial, version, check, warnings)


def _check_parts(
    type_code: str, issuer_code: str, serial: str, version: str, *, field: str
) -> None:
    if not _TYPE_CODE.fullmatch(type_code):
        raise InvalidCode(
            "证照类型代码 must be 21 characters: an 18-character code and 3 digits", field=field
        )
    if not _USCC.fullmatch(issuer_code):
        raise InvalidCode("颁发机构代码 must be 18 characters of 0-9 and A-Z", field=field)
    if not _SERIAL.fullmatch(serial):
        raise InvalidCode("流水号 must be 1-24 characters of 0-9 and A-Z", field=field)
    if not _VERSION.fullmatch(version):
        raise InvalidCode("版本号 must be three digits", field=field)
