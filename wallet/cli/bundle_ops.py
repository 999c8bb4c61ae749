"""``elicense bundles report`` and ``elicense bundles run``: the operator's verbs.

Both work on the local database, as ``serve`` and ``worker`` use it (the same
settings: ``ELICENSE_DATABASE_URL``, ``ELICENSE_DATA_DIR``, ``--demo``), like every other
operator verb:

* ``report CODE [--json]``: the report of :mod:`wallet.bundles.report` as the
  ``GET /admin/bundles/{code}/report`` route answers it (``--json``: the same JSON), or
  as a text summary: applications, completion rate, elapsed times per item, savings
  against the paper baseline, rejection reasons and overdue items (督办).
* ``run CODE --applicant ID --holder ROLE=ID ...``: files an application for those
  holders (what an operator does at a 综合窗口 for a citizen who asked there): the
  consent requests go to the holders' wallets and the workflow runs in whatever
  serves the database (``elicense serve`` in-process, or ``elicense worker``);
  prints the application's id.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pydantic import TypeAdapter

from wallet.bundles.chart_svg import format_seconds
from wallet.bundles.report import BundleReport
from wallet.cli.fields import UsageError

__all__ = ["add_report_verb", "add_run_verb", "format_report", "report_json"]

_REPORT = TypeAdapter(BundleReport)


def report_json(report: BundleReport) -> dict[str, Any]:
    """The report as the HTTP route's JSON (the same schema)."""
    dumped: dict[str, Any] = _REPORT.dump_python(report, mode="json")
    return dumped


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def format_report(report: BundleReport) -> str:
    """A text summary for the shell, one fact a line."""
    lines = [
        f"{report.name_zh} ({report.bundle}) as of {report.generated_at.isoformat()}",
        f"applications {report.applications}: completed {report.completed}, open {report.open},"
        f" rejected {report.rejected}, refused {report.refused}, failed {report.failed},"
        f" cancelled {report.cancelled}; completion rate {_rate(report.completion_rate)}",
        f"overall elapsed: median {format_seconds(report.overall.median_seconds)},"
        f" p90 {format_seconds(report.overall.p90_seconds)} ({report.overall.count} completed)",
        "items:",
    ]
    for item in report.items:
        lines.append(
            f"  {item.code:<32} {item.name_zh}（{item.department_name_zh}，"
            f"承诺 {item.promised_days} 个工作日） done {item.done} rejected {item.rejected}"
            f" open {item.open}; median {format_seconds(item.elapsed.median_seconds)},"
            f" p90 {format_seconds(item.elapsed.p90_seconds)}"
        )
    lines.append("paper vs one-stop:")
    for saving in report.savings:
        measured = "" if saving.measured is None else f" (measured median {saving.measured:.2f})"
        lines.append(
            f"  {saving.measure:<10} {saving.paper:>4} -> {saving.one_stop:<4}"
            f" {saving.label_zh}{measured}"
        )
    lines.append(
        f"materials waived by certificates: {len(report.materials_waived)} kinds,"
        f" {report.materials_waived_total} over completed applications"
    )
    lines.extend(f"  - {material}" for material in report.materials_waived)
    lines.append(f"rejection reasons: {len(report.rejections) or 'none'}")
    lines.extend(f"  {r.count} x {r.item} {r.code}: {r.reason_zh}" for r in report.rejections)
    lines.append(f"overdue (督办; {report.calendar}): {len(report.overdue) or 'none'}")
    lines.extend(
        f"  {o.application_id} {o.item} ({o.state}) due {o.deadline.isoformat()},"
        f" late {format_seconds(o.late_seconds)} / {o.working_days_late} working days"
        for o in report.overdue
    )
    return "\n".join(lines)


def add_report_verb(verbs: Any, common: argparse.ArgumentParser) -> None:
    """``bundles report``, added to the ``bundles`` verb's subparsers."""
    report = verbs.add_parser(
        "report",
        parents=[common],
        help="the operator's report on one bundle (local database)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("code", help="the bundle, e.g. newborn")
    report.add_argument("--json", action="store_true", help="the JSON the HTTP route answers")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from wallet.bundles.reporting import bundle_report
    from wallet.cli.local import local_services

    with local_services() as services:
        report = bundle_report(services.bundles, args.code, services.clock())
    if args.json:
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


def add_run_verb(verbs: Any, common: argparse.ArgumentParser) -> None:
    """``bundles run``, added to the ``bundles`` verb's subparsers."""
    run = verbs.add_parser(
        "run",
        parents=[common],
        help="file an application for citizens (local database; a worker runs it)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("code", help="the bundle, e.g. newborn")
    run.add_argument("--applicant", required=True, help="the applicant's 公民身份号码")
    run.add_argument(
        "--holder",
        action="append",
        default=[],
        metavar="ROLE=ID",
        help="another role's holder, e.g. mother=320102199207082466 (repeat)",
    )
    run.add_argument("--json", action="store_true", help="print the application as JSON")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from wallet.bundles.engine import migrate_system_database
    from wallet.cli.local import local_services
    from wallet.server.workflows import dispatch_to_workers

    holders: dict[str, str] = {}
    for given in args.holder:
        role, sep, id_number = str(given).partition("=")
        if not sep or not role.strip() or not id_number.strip():
            raise UsageError(f"--holder takes ROLE=ID, not {given!r}")
        holders[role.strip()] = id_number.strip()
    with local_services() as services:
        # DBOS's tables, as serve makes them, for a worker that has not started yet.
        migrate_system_database(services.settings.resolved_database_url)
        dispatcher = dispatch_to_workers(services)
        try:
            view = services.bundles.create(args.applicant, args.code, holders)
        finally:
            dispatcher.close()
    application = view.application
    if args.json:
        print(json.dumps({"id": application.id, "state": application.state}))
    else:
        print(f"application {application.id}: {application.state}")
        print("  the holders approve the consent request in their wallets (/web/consent);")
        print("  `elicense serve` (in-process workers) or `elicense worker` runs it")
    return 0
