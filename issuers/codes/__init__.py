"""National codes: GB 11643, GB 32100, GB/T 2260 and GB/T 36904."""

from issuers.codes.gb2260 import region_name, validate_region
from issuers.codes.gb11643 import ResidentIdNumber, make_resident_id, parse_resident_id
from issuers.codes.gb32100 import make_uscc, validate_uscc
from issuers.codes.gbt36904 import LicenceIdentifier, build_identifier, parse_identifier

__all__ = [
    "LicenceIdentifier",
    "ResidentIdNumber",
    "build_identifier",
    "make_resident_id",
    "make_uscc",
    "parse_identifier",
    "parse_resident_id",
    "region_name",
    "validate_region",
    "validate_uscc",
]
