"""``elicense``, the command line: one module per audience.

* :mod:`~wallet.cli.issuer_mint`, :mod:`~wallet.cli.issuer_keys`,
  :mod:`~wallet.cli.issuer_status`: the issuer's administrator (mint certificates;
  mint, rotate and compromise keys, trust anchors; status changes);
* :mod:`~wallet.cli.inspector`: the inspector (verify online and offline, sync, render);
* :mod:`~wallet.cli.device`: the citizen's device (register, forget, present);
* :mod:`~wallet.cli.serve`: the operator (run the service).

:mod:`~wallet.cli.main` parses and dispatches; :mod:`~wallet.cli.inputs` checks what
every verb reads. Web-stack modules are imported only by ``serve``.
"""

from wallet.cli.main import main

__all__ = ["main"]
