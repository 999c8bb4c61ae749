"""One-stop bundles (一件事一次办): definitions as data, one durable workflow per
application on DBOS Transact, department handlers that mint the outputs, and the
savings report. See :mod:`wallet.bundles.definitions` for the data format."""
