"""The operator's report, on hand-made applications (wallet/bundles/report.py)."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from tests.wallet.bundles.report_data import DEFINITION, MONDAY, completed
from wallet.bundles.report import ApplicationFacts, ItemFacts, build_report, percentile
from wallet.bundles.workdays import deadline, working_days_between, working_seconds

HOUR = 3600.0


@pytest.mark.parametrize("size", [1, 2, 3, 7, 10, 101])
def test_percentiles_match_statistics_and_numpy(size: int) -> None:
    values = [random.Random(size * 7 + i).uniform(0, 1000) for i in range(size)]
    assert percentile(values, 50) == pytest.approx(statistics.median(values))
    if size >= 2:
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        assert percentile(values, 90) == pytest.approx(deciles[8])
    numpy = pytest.importorskip("numpy")
    for q in (0, 10, 50, 90, 100):
        assert percentile(values, q) == pytest.approx(float(numpy.percentile(values, q)))


def test_percentile_of_nothing_is_none_and_q_is_checked() -> None:
    assert percentile([], 90) is None
    with pytest.raises(ValueError, match="q must"):
        percentile([1.0], 101)


def test_counts_rates_and_elapsed_times() -> None:
    apps = [
        completed("a1", MONDAY, 1 * HOUR, 10),
        completed("a2", MONDAY, 2 * HOUR, 20),
        completed("a3", MONDAY, 3 * HOUR, 30),
        ApplicationFacts(
            "r1",
            "rejected",
            MONDAY,
            MONDAY + timedelta(hours=1),
            (
                ItemFacts("first", "rejected", MONDAY, MONDAY, "no_marriage", "未找到婚姻登记"),
                ItemFacts("second", "stopped"),
            ),
        ),
        ApplicationFacts("o1", "open", MONDAY, None, (ItemFacts("first", "running", MONDAY),)),
    ]
    report = build_report(DEFINITION, apps, MONDAY + timedelta(hours=5))
    assert (report.applications, report.completed, report.rejected, report.open) == (5, 3, 1, 1)
    assert report.completion_rate == pytest.approx(3 / 4)  # the open one is not finished
    first, second = report.items
    assert (first.code, first.done, first.rejected, first.open) == ("first", 3, 1, 1)
    assert first.elapsed.median_seconds == pytest.approx(2 * HOUR)
    assert first.elapsed.p90_seconds == pytest.approx(statistics.quantiles(
        [HOUR, 2 * HOUR, 3 * HOUR], n=10, method="inclusive")[8])  # fmt: skip
    assert second.elapsed.median_seconds == pytest.approx(20)
    assert report.overall.count == 3
    assert report.overall.median_seconds == pytest.approx(2 * HOUR + 20)
    [rejection] = report.rejections
    assert (rejection.item, rejection.code, rejection.count) == ("first", "no_marriage", 1)
    assert report.materials_waived_total == 6
    assert report.materials_waived_median == 2


def test_savings_against_the_paper_baseline() -> None:
    report = build_report(DEFINITION, [completed("a1", MONDAY, HOUR, HOUR)], MONDAY)
    savings = {saving.measure: saving for saving in report.savings}
    assert (savings["steps"].paper, savings["steps"].one_stop) == (15, 2)
    assert (savings["forms"].paper, savings["forms"].one_stop) == (6, 1)
    assert (savings["trips"].paper, savings["trips"].one_stop) == (5, 0)
    assert (savings["days"].paper, savings["days"].one_stop) == (18, 5)
    assert savings["days"].measured == pytest.approx(2 / 24)  # two hours of a Monday
    assert (savings["materials"].paper, savings["materials"].one_stop) == (24, 0)
    assert report.materials_waived == ("居民身份证<原件>", "户口簿 & 复印件")


def test_an_empty_bundle_reports_nothing_rather_than_failing() -> None:
    report = build_report(DEFINITION, [], MONDAY)
    assert report.applications == 0
    assert report.completion_rate is None
    assert report.overall.median_seconds is None
    assert report.items[0].elapsed.p90_seconds is None
    assert report.overdue == ()


# --- working days and 督办 ---------------------------------------------------------------


def test_deadline_counts_working_days_after_the_start_day() -> None:
    # Monday + 2 working days: the end of Wednesday (CST), i.e. Wednesday 16:00 UTC.
    assert deadline(MONDAY, 2) == datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
    # Friday + 1: the weekend is skipped, the end of Monday.
    friday = MONDAY + timedelta(days=4)
    assert deadline(friday, 1) == datetime(2026, 11, 9, 16, 0, tzinfo=UTC)
    # 0 days: the end of the start day; from a Saturday, the end of Monday.
    assert deadline(MONDAY, 0) == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
    assert deadline(friday + timedelta(days=1), 0) == datetime(2026, 11, 9, 16, 0, tzinfo=UTC)


def test_days_are_local_china_days_not_utc_days() -> None:
    # Sunday 2026-11-01 20:00 UTC is already Monday 04:00 in China.
    late_sunday_utc = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)
    assert deadline(late_sunday_utc, 0) == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)


def test_working_seconds_skip_the_weekend() -> None:
    friday_noon = MONDAY + timedelta(days=4, hours=3)  # Friday 12:00 CST
    monday_noon = friday_noon + timedelta(days=3)
    assert working_seconds(friday_noon, monday_noon) == pytest.approx(24 * HOUR)
    assert working_seconds(monday_noon, friday_noon) == 0.0
    assert working_days_between(friday_noon, monday_noon) == 1


def test_items_past_their_promised_time_are_flagged_with_the_application() -> None:
    apps = [
        ApplicationFacts("late", "open", MONDAY, None, (ItemFacts("first", "running", MONDAY),)),
        ApplicationFacts(
            "later",
            "open",
            MONDAY,
            None,
            (
                ItemFacts("first", "done", MONDAY, MONDAY),
                ItemFacts("second", "waiting", MONDAY),
            ),
        ),
        ApplicationFacts("fresh", "open", MONDAY, None, (ItemFacts("first", "running", MONDAY),)),
        # A finished application is not chased, whatever its items say.
        ApplicationFacts(
            "closed", "cancelled", MONDAY, MONDAY, (ItemFacts("first", "running", MONDAY),)
        ),
        # Not started yet (waiting on another item): the promise has not begun.
        ApplicationFacts("queued", "open", MONDAY, None, (ItemFacts("second", "waiting"),)),
    ]
    # Thursday 10:00 CST: "first" (2 days) was due at the end of Wednesday, "second" (0)
    # at the end of Monday.
    thursday = MONDAY + timedelta(days=3, hours=1)
    report = build_report(DEFINITION, apps[:2] + apps[3:], thursday)
    flagged = [(o.application_id, o.item, o.working_days_late) for o in report.overdue]
    assert flagged == [("later", "second", 3), ("late", "first", 1)]
    first = report.overdue[1]
    assert first.deadline == datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
    assert first.late_seconds == pytest.approx(10 * HOUR)
    # Wednesday noon: nothing of "first" is late yet.
    wednesday = MONDAY + timedelta(days=2, hours=3)
    report = build_report(DEFINITION, [apps[2]], wednesday)
    assert report.overdue == ()


def test_naive_datetimes_are_not_accepted_silently() -> None:
    naive = datetime(2026, 11, 2, 9, 0)  # naive: the point of the test
    with pytest.raises(ValueError, match="timezone"):
        build_report(DEFINITION, [completed("a1", MONDAY, 1, 1)], naive)
