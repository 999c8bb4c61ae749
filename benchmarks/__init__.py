"""Benchmarks: ``python -m benchmarks`` runs every suite (see benchmarks/__main__.py)."""
