"""The consent routes: a service's ``/consent/requests`` (bearer token of a service
client), the citizen's ``/wallet/consent/...`` and ``/wallet/delegations`` (citizen
session). The app shell includes every router in :data:`routers`."""

from wallet.consent.api import citizen, delegations, requests

routers = (requests.router, citizen.router, delegations.router)

__all__ = ["routers"]
