"""What every route of the clients' API shares: the service and the no-store headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from issuers.api.provided import provided
from wallet.clients.service import ClientService

Clients = Annotated[ClientService, Depends(provided(ClientService))]
# RFC 6749 §5.1: a response carrying a token or a secret is never cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
