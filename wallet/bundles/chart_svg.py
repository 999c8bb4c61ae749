"""The report's chart, as an SVG document we serve ourselves (no CDN, no script).

Two panels of horizontal bars, drawn from a :class:`~wallet.bundles.report.BundleReport`:

1. 纸质办理 vs 一件事一次办: for each measure (steps, forms, trips, days, materials)
   a grey bar for paper and a green one for one-stop, both scaled to the larger of
   the two (the measures have different units, so each pair has its own scale), the
   numbers written beside them;
2. 各事项办理用时（中位数）: each item's median elapsed time, scaled to the slowest
   item; an item with no completed run says so and has no bar.

Every bar is a ``<rect class="bar ...">`` carrying ``data-measure``/``data-item`` and
``data-value`` so that a test (or a screen reader's user, through ``<title>``) can
read it. The document is built with :mod:`xml.etree.ElementTree`, which escapes every
text and attribute; characters XML cannot hold are dropped first. Colours are
presentation attributes, not ``style``: the pages' CSP (``style-src 'self'``) would
block inline styles. Pure.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Final

from wallet.bundles.report import BundleReport, ItemStats, Saving

__all__ = ["format_seconds", "render_chart"]

_SVG_NS: Final = "http://www.w3.org/2000/svg"
_WIDTH: Final = 700
_LABEL_W: Final = 220
_BAR_MAX: Final = 330
_ROW: Final = 22
_FONT: Final = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
_PAPER: Final = "#9e9e9e"
_ONE_STOP: Final = "#2e7d32"
_ITEM: Final = "#1565c0"
_NOT_XML_CHAR: Final = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MEASURE_EN: Final = {
    "steps": "steps",
    "forms": "forms",
    "trips": "trips",
    "days": "working days",
    "materials": "materials",
}


def format_seconds(seconds: float | None) -> str:
    """A duration for people: ``850 ms``, ``12.5 s``, ``3.2 min``, ``4.0 h``, ``2.5 d``."""
    if seconds is None:
        return "无数据 no data"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    for unit, size in (("d", 86_400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.1f} s"


def _clean(text: str) -> str:
    return _NOT_XML_CHAR.sub("", text)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _label(parent: ET.Element, y: float, text: str, **attrs: str) -> None:
    _sub(parent, "text", text, x="16", y=_number(y), font_size="13", fill="#222222", **attrs)


def _bar(
    parent: ET.Element, y: float, width: float, fill: str, value_text: str, **data: str
) -> None:
    kind = data.pop("kind")
    bar = _sub(
        parent,
        "rect",
        x=str(_LABEL_W),
        y=_number(y),
        width=_number(width),
        height=str(_ROW - 6),
        fill=fill,
        **{"class": f"bar {kind}"},
        **data,
    )
    _sub(bar, "title", value_text)
    x = _LABEL_W + width + 6
    _sub(parent, "text", value_text, x=_number(x), y=_number(y + _ROW - 10), font_size="12")


def _savings_panel(svg: ET.Element, savings: tuple[Saving, ...], top: float) -> float:
    group = _sub(svg, "g", id="savings")
    _sub(group, "text", "纸质办理 vs 一件事一次办 (paper vs one-stop)", x="16",
         y=_number(top), font_size="16", font_weight="bold")  # fmt: skip
    y = top + 14
    for saving in savings:
        scale = max(saving.paper, saving.one_stop, 1)
        label = f"{saving.label_zh} ({_MEASURE_EN[saving.measure]})"
        _label(group, y + 2 * _ROW - 6, label)
        for kind, value, fill, name in (
            ("paper", saving.paper, _PAPER, "纸质"),
            ("one-stop", saving.one_stop, _ONE_STOP, "一件事"),
        ):
            width = _BAR_MAX * value / scale
            text = f"{name} {value}"
            if kind == "one-stop" and saving.measured is not None:
                text += f"（实测中位数 measured median {_number(saving.measured)}）"
            _bar(group, y, width, fill, text, kind=kind, data_measure=saving.measure,
                 data_value=str(value))  # fmt: skip
            y += _ROW
        y += 10
    return y


def _items_panel(svg: ET.Element, items: tuple[ItemStats, ...], top: float) -> float:
    group = _sub(svg, "g", id="items")
    _sub(group, "text", "各事项办理用时（中位数） median elapsed time per item", x="16",
         y=_number(top), font_size="16", font_weight="bold")  # fmt: skip
    y = top + 14
    medians = [item.elapsed.median_seconds or 0.0 for item in items]
    scale = max([*medians, 1e-9])
    for item in items:
        median = item.elapsed.median_seconds
        _label(group, y + _ROW - 10, item.name_zh)  # the code is the bar's data-item
        if median is None:
            _sub(group, "text", format_seconds(None), x=str(_LABEL_W), y=_number(y + _ROW - 10),
                 font_size="12", fill="#777777", **{"class": "no-data"})  # fmt: skip
        else:
            _bar(group, y, _BAR_MAX * median / scale, _ITEM, format_seconds(median),
                 kind="item", data_item=item.code, data_value=_number(median))  # fmt: skip
        y += _ROW + 4
    return y


def render_chart(report: BundleReport) -> str:
    """The SVG document (text) of ``report``'s chart."""
    svg = ET.Element(
        "svg",
        {"xmlns": _SVG_NS, "role": "img", "font-family": _FONT, "width": str(_WIDTH)},
    )
    _sub(svg, "title", f"{report.name_zh}：办理成效 (savings and elapsed time)")
    _sub(svg, "rect", x="0", y="0", width="100%", height="100%", fill="#ffffff")
    y = _savings_panel(svg, report.savings, 28)
    y = _items_panel(svg, report.items, y + 24)
    height = str(int(y + 12))
    svg.set("height", height)
    svg.set("viewBox", f"0 0 {_WIDTH} {height}")
    return ET.tostring(svg, encoding="unicode", xml_declaration=False)
