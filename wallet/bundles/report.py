"""The operator's report on one bundle: how it runs, and what it saved against paper.

Pure: plain records in (:class:`ApplicationFacts`, :class:`ItemFacts`, built by
:mod:`wallet.bundles.report_input` from the engine's store), a :class:`BundleReport`
out, ``now`` passed in. Neither FastAPI nor SQLAlchemy is imported here.

What is counted, and how:

* **applications**, by outcome; the **completion rate** is completed / finished
  (completed, rejected, refused, cancelled or failed): one still open is neither.
* **elapsed time**: an item's, from its start (dispatched to its department) to its
  end, over the items that completed; the whole application's, from its creation to
  its completion, over the completed applications. Median and p90 with linear
  interpolation between closest ranks (numpy's default ``linear``, which is
  ``statistics.quantiles(..., method="inclusive")``); ``None`` without data.
* **rejection reasons**: each rejected item's (item, code, reason), with counts.
* **savings** against the definition's paper baseline (steps, forms, trips, days,
  materials). The one-stop side: the target steps, forms and days the definition
  states, no trips (everything is online), no paper material, and the materials
  waived: the definition's supplies (each a paper material a certificate replaces),
  and per completed application the supplies that certificates really satisfied.
  The measured days are the median application's working days
  (:func:`wallet.bundles.workdays.working_seconds` / 86,400).
* **overdue items (督办)**: an item started and not finished whose promised working
  days (:mod:`wallet.bundles.workdays`: Mon-Fri in CST, holidays not modelled) have
  run out at ``now``, with the application's id and how late it is.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.workdays import deadline, working_days_between, working_seconds

__all__ = [
    "ApplicationFacts",
    "BundleReport",
    "Elapsed",
    "ItemFacts",
    "ItemState",
    "ItemStats",
    "Outcome",
    "Overdue",
    "RejectionCount",
    "Saving",
    "build_report",
    "percentile",
]

# refused: a party denied (or let expire) the consent; failed: a certificate failed
# verification; cancelled: the applicant withdrew (wallet.bundles.records).
Outcome = Literal["open", "completed", "rejected", "refused", "cancelled", "failed"]
ItemState = Literal["waiting", "running", "done", "rejected", "stopped"]
_FINISHED: frozenset[str] = frozenset({"completed", "rejected", "refused", "cancelled", "failed"})
_OPEN_ITEM: frozenset[str] = frozenset({"waiting", "running"})
DAY_SECONDS = 86_400.0


@dataclass(frozen=True, slots=True)
class ItemFacts:
    code: str
    state: ItemState
    started_at: datetime | None = None  # dispatched to its department
    finished_at: datetime | None = None
    reason_code: str | None = None  # when rejected
    reason_zh: str | None = None


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    id: str
    outcome: Outcome
    created_at: datetime
    finished_at: datetime | None = None
    items: tuple[ItemFacts, ...] = ()
    # Supplies (paper materials) that verified certificates satisfied; None: not known.
    materials_waived: int | None = None


@dataclass(frozen=True, slots=True)
class Elapsed:
    """Seconds: how many samples, their median and 90th percentile."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True, slots=True)
class ItemStats:
    code: str
    name_zh: str
    department_name_zh: str
    promised_days: int
    done: int
    rejected: int
    open: int
    elapsed: Elapsed


@dataclass(frozen=True, slots=True)
class RejectionCount:
    item: str
    code: str
    reason_zh: str
    count: int


@dataclass(frozen=True, slots=True)
class Saving:
    """One measure, paper against one-stop (``measured``: what the applications took)."""

    measure: Literal["steps", "forms", "trips", "days", "materials"]
    label_zh: str
    paper: int
    one_stop: int
    measured: float | None = None


@dataclass(frozen=True, slots=True)
class Overdue:
    application_id: str
    item: str
    state: str
    started_at: datetime
    deadline: datetime
    promised_days: int
    late_seconds: float
    working_days_late: int


@dataclass(frozen=True, slots=True)
class BundleReport:
    bundle: str
    name_zh: str
    generated_at: datetime
    applications: int
    open: int
    completed: int
    rejected: int
    refused: int
    cancelled: int
    failed: int
    completion_rate: float | None  # completed / finished; None when none finished
    overall: Elapsed
    items: tuple[ItemStats, ...]
    rejections: tuple[RejectionCount, ...]
    savings: tuple[Saving, ...]
    materials_waived: tuple[str, ...]  # the supplies' paper materials, by name
    materials_waived_total: int  # over completed applications
    materials_waived_median: float | None  # per completed application
    overdue: tuple[Overdue, ...]
    baseline_source: str
    calendar: str = "Mon-Fri, China Standard Time (UTC+8); public holidays not modelled"


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100), linear between closest ranks; None if empty."""
    if not 0 <= q <= 100:
        raise ValueError("q must lie in [0, 100]")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def _elapsed(values: Sequence[float]) -> Elapsed:
    return Elapsed(len(values), percentile(values, 50), percentile(values, 90))


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max((end - start).total_seconds(), 0.0)


def _item_stats(
    definition: BundleDefinition, applications: Sequence[ApplicationFacts]
) -> tuple[ItemStats, ...]:
    stats = []
    for item in definition.items:
        runs = [run for app in applications for run in app.items if run.code == item.code]
        durations = [
            seconds
            for run in runs
            if run.state == "done"
            and (seconds := _seconds(run.started_at, run.finished_at)) is not None
        ]
        stats.append(
            ItemStats(
                code=item.code,
                name_zh=item.name_zh,
                department_name_zh=item.department_name_zh,
                promised_days=item.promised_days,
                done=sum(run.state == "done" for run in runs),
                rejected=sum(run.state == "rejected" for run in runs),
                open=sum(run.state in _OPEN_ITEM for run in runs),
                elapsed=_elapsed(durations),
            )
        )
    return tuple(stats)


def _rejections(applications: Iterable[ApplicationFacts]) -> tuple[RejectionCount, ...]:
    counts = Counter(
        (run.code, run.reason_code or "rejected", run.reason_zh or "")
        for app in applications
        for run in app.items
        if run.state == "rejected"
    )
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return tuple(RejectionCount(item, code, reason, n) for (item, code, reason), n in ordered)


def _overdue(
    definition: BundleDefinition, applications: Iterable[ApplicationFacts], now: datetime
) -> tuple[Overdue, ...]:
    promised = {item.code: item.promised_days for item in definition.items}
    found = []
    for app in applications:
        if app.outcome != "open":
            continue
        for run in app.items:
            if run.state not in _OPEN_ITEM or run.started_at is None or run.code not in promised:
                continue
            due = deadline(run.started_at, promised[run.code])
            if now <= due:
                continue
            found.append(
                Overdue(
                    application_id=app.id,
                    item=run.code,
                    state=run.state,
                    started_at=run.started_at,
                    deadline=due,
                    promised_days=promised[run.code],
                    late_seconds=(now - due).total_seconds(),
                    working_days_late=working_days_between(due, now),
                )
            )
    return tuple(sorted(found, key=lambda o: (-o.late_seconds, o.application_id, o.item)))


def _savings(definition: BundleDefinition, overall_days: float | None) -> tuple[Saving, ...]:
    base = definition.baseline
    return (
        Saving("steps", "办事环节", base.steps, base.target_steps),
        Saving("forms", "填写表格", base.forms, base.target_forms),
        Saving("trips", "跑动次数", base.trips, 0),
        Saving("days", "办理时间（工作日）", base.days, base.target_days, overall_days),
        Saving("materials", "提交材料", base.materials, 0),
    )


def build_report(
    definition: BundleDefinition, applications: Sequence[ApplicationFacts], now: datetime
) -> BundleReport:
    """The report on ``applications`` of ``definition``'s bundle, as of ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    outcomes: Counter[str] = Counter(app.outcome for app in applications)
    finished = sum(outcomes[outcome] for outcome in _FINISHED)
    completed = [app for app in applications if app.outcome == "completed"]
    overall = [
        seconds
        for app in completed
        if (seconds := _seconds(app.created_at, app.finished_at)) is not None
    ]
    workdays = [
        working_seconds(app.created_at, app.finished_at) / DAY_SECONDS
        for app in completed
        if app.finished_at is not None
    ]
    waived = [app.materials_waived for app in completed if app.materials_waived is not None]
    return BundleReport(
        bundle=definition.bundle,
        name_zh=definition.name_zh,
        generated_at=now,
        applications=len(applications),
        open=outcomes["open"],
        completed=outcomes["completed"],
        rejected=outcomes["rejected"],
        refused=outcomes["refused"],
        cancelled=outcomes["cancelled"],
        failed=outcomes["failed"],
        completion_rate=None if finished == 0 else outcomes["completed"] / finished,
        overall=_elapsed(overall),
        items=_item_stats(definition, applications),
        rejections=_rejections(applications),
        savings=_savings(definition, percentile(workdays, 50)),
        materials_waived=tuple(supply.material_zh for supply in definition.supplies),
        materials_waived_total=sum(waived),
        materials_waived_median=percentile([float(n) for n in waived], 50),
        overdue=_overdue(definition, applications, now),
        baseline_source=definition.baseline.source,
    )
