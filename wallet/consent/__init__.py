"""Reuse with consent (用证授权): a service's authorisation request, each holder's
decision (themselves, a proven guardian for a minor, or a citizen the holder delegated
to), and the grant a service pulls shares under once every holder has approved.

``records`` holds what the service hands out; ``items`` the bundle items a request
serves; ``preview`` the exact values a share would carry; ``guardianship`` the proof a
parent acts for a minor child; ``service`` the rules; ``store`` the tables; ``api``
the routes (the service's ``/consent/requests`` and the citizen's ``/wallet/...``).
"""
