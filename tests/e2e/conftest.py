"""Fixtures of the end-to-end tests: a running ``elicense serve --demo``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.demo_server import demo_env, running_demo_server


@pytest.fixture
def demo_server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A running ``elicense serve --demo``; yields its base URL and the environment."""
    env = demo_env(database_url)
    with running_demo_server(tmp_path, env) as base:
        yield base, env
