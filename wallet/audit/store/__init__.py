"""The audit log's store: its tables (:mod:`.tables`) and every query over them."""
