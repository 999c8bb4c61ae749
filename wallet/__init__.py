"""The wallet: the top floor, where citizens, services and operators meet the certificates.

It imports the ground floor (:mod:`issuers`) and the verifiers; nothing below imports it.
One package per capability, each holding its service (framework-free), its store (its
own tables and queries, returning frozen records) and its HTTP routes together:

* :mod:`wallet.accounts`: citizen accounts, password login, sessions, the login throttle;
* :mod:`wallet.certificates`: the citizen's own certificates, listed and shown;
* :mod:`wallet.holders`: holder keys (custodial or on a device), device proof, the
  holder-bound copies and live presentations (亮证);
* :mod:`wallet.web`: the citizen's server-rendered pages over those features.

Consent (用证授权), the audit log and the one-stop bundles (一件事一次办) join as packages
of the same shape beside them. The shell only mounts and wires the features, and no
feature imports it:

* :mod:`wallet.server`: the app factory, the one service wiring, settings, error
  handlers, middleware, migrations and demo seeding;
* :mod:`wallet.cli`: ``elicense``, one module per audience (issuer admin, inspector,
  citizen device, operator).
"""
