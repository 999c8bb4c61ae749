"""Service clients (the departments and bundle services that reuse certificates) and
their OAuth 2.0 client-credentials token endpoint (RFC 6749 §4.4).

* :mod:`wallet.clients.service`: registration, secrets, tokens, bearer resolution.
* :mod:`wallet.clients.assertion`: RFC 7523 client assertions (private_key_jwt).
* :mod:`wallet.clients.api`: ``POST /oauth/token``, the admin routes, and
  :func:`~wallet.clients.api.require_client`, the dependency other features' routes use.
"""
