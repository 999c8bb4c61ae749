"""HTTP face of the service clients: ``POST /oauth/token`` (RFC 6749 §4.4), the admin
routes under ``/admin/clients`` (issuer administration token), and
:func:`require_client`, the dependency other features' routes authenticate services
with::

    from wallet.clients.api import require_client

    Requester = Annotated[AuthenticatedClient, Depends(require_client("consent:request"))]

    @router.post("/consent/requests")
    def create(client: Requester, ...): ...
"""

from __future__ import annotations

from wallet.clients.api._admin import router as admin_router
from wallet.clients.api._bearer import require_client
from wallet.clients.api._provided import Clients
from wallet.clients.api._token import router

__all__ = ["Clients", "admin_router", "require_client", "router"]
