"""The citizen's certificates: what their wallet lists and shows.

``service.py`` (framework-free) and ``records.py`` are the core; ``store/`` reads the
issuers' registry; ``api.py`` serves ``GET /wallet/certificates`` and
``GET /wallet/certificates/{identifier}``. The web pages (:mod:`wallet.web`) use the
same service.
"""
