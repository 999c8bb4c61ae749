"""Where a bundle item's time goes, from DBOS's own step records (benchmark only).

DBOS stamps every recorded operation with its start and end (``operation_outputs``,
milliseconds). For each item of a drained run this reads, per item workflow
``<application>.<item>``:

* **queue wait**: from the parent's enqueue (its ``bundle_item`` operation) to the
  item's step starting in a worker: the item queue's global limit and polling;
* **step**: the item's one step (``bundle.run_item``: our reads and writes and the
  department handler);
* **notice**: from that step's end to the parent's ``DBOS.waitFirst`` returning: the
  item's completion recorded, then the parent's polling;

and each application's processing span (first enqueue to last item's end). Medians
and p90 in milliseconds. Used by benchmarks/bundle_bench.py.
"""

from __future__ import annotations

import base64
import json
import pickle
import statistics
from typing import Any

from sqlalchemy import create_engine, text

from wallet.bundles.engine import system_database

__all__ = ["item_timings"]

_OPERATIONS = text(
    "SELECT workflow_uuid, function_name, started_at_epoch_ms, completed_at_epoch_ms, "
    "child_workflow_id, output FROM {schema}operation_outputs "
    "WHERE function_name IN ('bundle_item', 'bundle.run_item', 'DBOS.waitFirst')"
)


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"median": 0.0, "p90": 0.0}
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 1),
        "p90": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1),
    }


def _workflow_id(output: str) -> str:
    """waitFirst's recorded output: the first workflow's id, serialised by DBOS (a
    base64 pickle of a str by default; JSON otherwise). Our own fresh benchmark data."""
    try:
        value = pickle.loads(base64.b64decode(output))
    except (ValueError, pickle.UnpicklingError, EOFError):
        value = json.loads(output)
    return str(value)


def item_timings(database_url: str) -> dict[str, Any]:
    url, schema = system_database(database_url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = text(_OPERATIONS.text.format(schema=f'"{schema}".' if schema else ""))
            rows = conn.execute(query).all()
    finally:
        engine.dispose()
    enqueued: dict[str, int] = {}
    steps: dict[str, tuple[int, int]] = {}
    waits: list[tuple[int, str]] = []
    for workflow, name, started, completed, child, output in rows:
        if name == "bundle_item" and child:
            enqueued[child] = int(started)
        elif name == "bundle.run_item" and completed is not None:
            steps[workflow] = (int(started), int(completed))
        elif name == "DBOS.waitFirst" and completed is not None and output:
            waits.append((int(completed), str(output)))
    firsts = [(done, _workflow_id(output)) for done, output in waits]
    notice = [float(done - steps[first][1]) for done, first in firsts if first in steps]
    spans: dict[str, list[int]] = {}
    for item, (_, end) in steps.items():
        if item in enqueued:
            span = spans.setdefault(item.rsplit(".", 1)[0], [enqueued[item], end])
            span[0], span[1] = min(span[0], enqueued[item]), max(span[1], end)
    return {
        "items": len(steps),
        "queue_wait_ms": _summary([steps[i][0] - enqueued[i] for i in steps if i in enqueued]),
        "step_ms": _summary([end - start for start, end in steps.values()]),
        "notice_ms": _summary(notice),
        "application_span_ms": _summary([float(b - a) for a, b in spans.values()]),
    }
