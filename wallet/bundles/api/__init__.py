"""The bundles' HTTP routes: the definitions and a citizen's applications
(:mod:`.citizen`, bodies in :mod:`.models`) and the operator's report (:mod:`.report`)."""
