"""The issuers' HTTP face (FastAPI routers; nothing else in ``issuers`` imports FastAPI).

* :mod:`~issuers.api.directory`: issuers, JWKS, catalogue, minting, code checks;
* :mod:`~issuers.api.status`: suspend, reinstate, revoke;
* :mod:`~issuers.api.publication`: trust lists and status lists for verifiers;
* :mod:`~issuers.api.sd_jwt_vc`: JWT VC Issuer Metadata, the keys behind an SD-JWT VC.
"""

from fastapi import APIRouter

from issuers.api import directory, publication, sd_jwt_vc, status
from issuers.api.directory import UsccPath, issuance, require_admin

__all__ = ["UsccPath", "issuance", "require_admin", "routers"]

routers: tuple[APIRouter, ...] = (
    directory.router,
    status.router,
    publication.router,
    sd_jwt_vc.router,
)
