"""The audit log: who used which of a citizen's certificates, in a chain anyone can check.

``records.py`` holds what callers append (:class:`~wallet.audit.records.AuditEvent`) and
read back (:class:`~wallet.audit.records.AuditEntry`); ``service.py`` (framework-free)
chains and signs; ``store/`` keeps the entries, the holders' keyed references, the signed
head and the checkpoints; ``api.py`` serves the public checkpoints and the citizen's own
entries.
"""
