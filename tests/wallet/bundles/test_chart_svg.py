"""The report's SVG chart, parsed back with xml.etree (wallet/bundles/chart_svg.py)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from tests.wallet.bundles.report_data import DEFINITION, MONDAY, completed
from wallet.bundles.chart_svg import format_seconds, render_chart
from wallet.bundles.report import BundleReport, build_report

NS = {"svg": "http://www.w3.org/2000/svg"}


def _report() -> BundleReport:
    apps = [completed("a1", MONDAY, 60, 10), completed("a2", MONDAY, 120, 20)]
    return build_report(DEFINITION, apps, MONDAY + timedelta(hours=1))


def _bars(root: ET.Element, kind: str) -> list[ET.Element]:
    return [
        rect
        for rect in root.iterfind(".//svg:rect", NS)
        if kind in (rect.get("class") or "").split()
    ]


def _texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter() if el.tag.endswith("}text")]


def test_paper_and_one_stop_bars_for_every_measure() -> None:
    root = ET.fromstring(render_chart(_report()))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    paper = {bar.get("data-measure"): bar for bar in _bars(root, "paper")}
    one_stop = {bar.get("data-measure"): bar for bar in _bars(root, "one-stop")}
    assert set(paper) == set(one_stop) == {"steps", "forms", "trips", "days", "materials"}
    assert paper["steps"].get("data-value") == "15"
    assert one_stop["steps"].get("data-value") == "2"
    # Each pair is scaled to its larger bar: 2 of 15 steps is 2/15 of the paper bar.
    ratio = float(one_stop["steps"].get("width", "0")) / float(paper["steps"].get("width", "1"))
    assert ratio == pytest.approx(2 / 15, abs=0.01)
    assert float(one_stop["materials"].get("width", "1")) == 0
    texts = _texts(root)
    assert any("办事环节" in text and "steps" in text for text in texts)
    assert "纸质 24" in texts
    assert "一件事 0" in texts


def test_a_bar_per_item_for_its_median_elapsed_time() -> None:
    root = ET.fromstring(render_chart(_report()))
    bars = {bar.get("data-item"): bar for bar in _bars(root, "item")}
    assert set(bars) == {"first", "second"}
    assert float(bars["first"].get("data-value", "0")) == pytest.approx(90)  # median of 60, 120
    assert float(bars["second"].get("data-value", "0")) == pytest.approx(15)
    first, second = (float(bars[code].get("width", "0")) for code in ("first", "second"))
    assert second / first == pytest.approx(15 / 90, abs=0.01)
    assert "1.5 min" in _texts(root)


def test_an_item_without_data_says_so_instead_of_a_bar() -> None:
    report = build_report(DEFINITION, [], MONDAY)
    root = ET.fromstring(render_chart(report))
    assert _bars(root, "item") == []
    assert [el.text for el in root.iterfind(".//svg:text[@class='no-data']", NS)] == [
        "无数据 no data",
        "无数据 no data",
    ]


def test_text_is_escaped_and_the_document_has_no_script_or_link() -> None:
    hostile = dataclasses.replace(_report(), name_zh='<script>alert("x")</script> & \x00\x1b')
    document = render_chart(hostile)
    root = ET.fromstring(document)  # still well-formed XML
    assert "<script" not in document
    title = root.find("svg:title", NS)
    assert title is not None
    assert title.text is not None
    assert title.text.startswith('<script>alert("x")</script> & ')
    assert not any(el.tag.endswith(("}script", "}a", "}foreignObject")) for el in root.iter())
    assert "href" not in document
    assert "style=" not in document


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.25, "250 ms"), (12.5, "12.5 s"), (90, "1.5 min"), (7200, "2.0 h"), (216000, "2.5 d")],
)
def test_durations_read_as_people_read_them(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text
