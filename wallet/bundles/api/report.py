"""``/admin/bundles/{code}/report``: the operator's report on one bundle, as JSON and as
an SVG chart, under the issuer administration bearer token (as ``/admin/clients``).

* ``GET /admin/bundles/{code}/report``: :class:`~wallet.bundles.report.BundleReport`
  (applications, completion rate, median and p90 elapsed times, rejection reasons,
  savings against the paper baseline, overdue items 督办), as of the app's clock.
* ``GET /admin/bundles/{code}/report.svg``: the chart
  (:func:`~wallet.bundles.chart_svg.render_chart`), ``image/svg+xml``, with a CSP that
  lets it load nothing at all.

An unknown bundle is 404 ``not_found``. The operator's page (``/web/admin/bundles/...``)
shows the same report to a browser.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from issuers.api.directory import require_admin
from issuers.api.provided import provided
from issuers.error_schema import error_responses
from verifiers.verdict import VerifierContext
from wallet.bundles.chart_svg import render_chart
from wallet.bundles.report import BundleReport
from wallet.bundles.reporting import bundle_report
from wallet.bundles.service import BundleService

__all__ = ["BundleCode", "Bundles", "chart_response", "router"]

router = APIRouter(prefix="/admin/bundles", tags=["bundles"], dependencies=[Depends(require_admin)])
BundleCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Bundles = Annotated[BundleService, Depends(provided(BundleService))]
Verifier = Annotated[VerifierContext, Depends(provided(VerifierContext))]

SVG_HEADERS: Final = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    # An SVG opened on its own is a document: it may run nothing and load nothing.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def chart_response(report: BundleReport) -> Response:
    return Response(render_chart(report), media_type="image/svg+xml", headers=SVG_HEADERS)


@router.get(
    "/{code}/report",
    response_model=BundleReport,
    responses=error_responses(401, 404, 422),
)
def report(code: BundleCode, bundles: Bundles, verifier: Verifier) -> BundleReport:
    return bundle_report(bundles, code, verifier.clock())


@router.get(
    "/{code}/report.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **error_responses(401, 404, 422)},
)
def report_chart(code: BundleCode, bundles: Bundles, verifier: Verifier) -> Response:
    return chart_response(bundle_report(bundles, code, verifier.clock()))
