"""A served worker freezes its start-up objects out of the garbage collector's walks.

``app_from_environment`` (what each uvicorn worker of ``elicense serve`` calls) is run
in a process of its own, as a worker is, in demo mode over a fresh database: after it,
the objects the app's start made are frozen (:func:`gc.get_freeze_count`), and what
a later full collection walks is what came after. A subprocess, because nothing frozen
is ever freed: the test process builds many apps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, json
from wallet.server.app import app_from_environment
app_from_environment()
frozen = gc.get_freeze_count()
print(json.dumps({"frozen": frozen, "tracked": len(gc.get_objects())}))
"""


def test_a_worker_freezes_what_its_start_made(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env.update(ELICENSE_DEMO="true", ELICENSE_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    made = subprocess.run(
        [sys.executable, "-c", "from wallet.cli.main import main; main(['db', 'upgrade'])"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["frozen"] > 50_000  # the app's routes, models, tables: some 190,000
    assert counts["tracked"] < counts["frozen"] // 10  # the collector walks the rest only
