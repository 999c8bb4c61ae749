"""The card of a share, as an SVG picture with its annotation (加注) as a watermark.

A service's clerk, or the citizen, may want to *look* at a share rather than parse it.
This draws the certificate card: the type's Chinese name, the identifier, and the
disclosed values only (labelled in Chinese through the inspector's labels,
:mod:`verifiers.inspector.display`; an unlabelled field shows its own name), under a
watermark repeated diagonally across the card, as a paper copy is stamped
"仅供办理某事使用"::

    仅供 {service} 办理 {item}：{purpose} 使用 · {pulled at, Beijing time} · 有效期至 {expiry}

The picture is evidence for people only: the signed annotation and the SD-JWT are what
a program checks. It is written as text, every text and attribute escaped as
:mod:`xml.etree.ElementTree`'s serializer escapes them (the same document, about five
times faster: a pull draws five cards per request); it has no script, no link, no
external reference (no ``href`` at all) and a bounded size (rows, characters per
value, watermark lines). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from issuers.clock import CHINA_STANDARD_TIME
from verifiers.inspector.display import field_rows
from wallet.consent.annotation import Annotation

__all__ = ["MAX_ROWS", "MAX_VALUE_CHARS", "render_card", "watermark_text"]

MAX_ROWS: Final = 40
MAX_VALUE_CHARS: Final = 48
_WIDTH: Final = 640
_ROW_HEIGHT: Final = 26
_TOP: Final = 96
_FOOTER: Final = 64
_FONT: Final = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
_SVG_NS: Final = "http://www.w3.org/2000/svg"
# XML 1.0 §2.2 Char: anything else would make the document unreadable, so it is replaced.
_TEXT_SPECIAL: Final = re.compile("[&<>]")
_ATTRIBUTE_SPECIAL: Final = re.compile('[&<>"\r\n\t]')
_NOT_XML_CHAR: Final = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def watermark_text(annotation: Annotation) -> str:
    """The words stamped across the card (times in Beijing time, 北京时间)."""
    return (
        f"仅供 {annotation.client_name} 办理 {annotation.item_name_zh}：{annotation.purpose} 使用"
        f" · {_beijing(annotation.pulled_at)} · 有效期至 {_beijing(annotation.valid_until)}"
    )


def render_card(type_name_zh: str, disclosed: Mapping[str, Any], annotation: Annotation) -> str:
    """The SVG document (text) of one share's card: ``disclosed`` values only."""
    rows = field_rows(disclosed)
    hidden = max(0, len(rows) - MAX_ROWS)
    rows = rows[:MAX_ROWS]
    height = _TOP + _ROW_HEIGHT * (len(rows) + (1 if hidden else 0)) + _FOOTER
    svg: list[str] = [
        _open(
            "svg",
            {
                "xmlns": _SVG_NS,
                "width": str(_WIDTH),
                "height": str(height),
                "viewBox": f"0 0 {_WIDTH} {height}",
                "role": "img",
                "font-family": _FONT,
            },
        ),
        _element("title", {}, f"{type_name_zh}（加注件）"),
        _rect(height, fill="#fffdf6", stroke="#b8860b"),
        _text(24, 40, _clean(type_name_zh), size=24, weight="bold"),
        _text(24, 68, f"证照标识 {_clean(annotation.license_id)}", size=13, fill="#555555"),
    ]
    y = _TOP
    for row in rows:
        x = 24 + 18 * min(row.depth, 4)
        label = _clip(row.label_zh)
        if row.value is None:
            svg.append(_text(x, y, label, size=14, weight="bold"))
        else:
            svg.append(_text(x, y, label, size=14, fill="#555555"))
            svg.append(_text(220, y, _clip(row.value), size=14))
        y += _ROW_HEIGHT
    if hidden:
        svg.append(_text(24, y, f"……另有 {hidden} 项，见 SD-JWT", size=13, fill="#555555"))
        y += _ROW_HEIGHT
    stamp = _clean(watermark_text(annotation))
    svg.append(_text(24, height - 36, f"加注：{_clip(stamp, 60)}", size=12, fill="#8b0000"))
    receipt = f"审计回执 {_clean(annotation.audit_receipt)}"
    svg.append(_text(24, height - 16, receipt, size=10, fill="#8b0000"))
    svg.append(_watermark(stamp, height))
    svg.append("</svg>")
    return "".join(svg)


def _watermark(stamp: str, height: int) -> str:
    """The stamp on diagonal lines covering the card, semi-transparent, above the values
    (so cropping the values out of a screenshot cannot leave the stamp behind)."""
    layer = {
        "transform": f"rotate(-30 {_WIDTH // 2} {height // 2})",
        "fill": "#c00000",
        "fill-opacity": "0.16",
        "font-size": "16",
        "pointer-events": "none",
    }
    span = _WIDTH + height  # the rotated lines must still reach every corner
    lines = min(40, span // 70 + 1)
    line = _escape_text(_clean(stamp + "　　" + stamp))
    parts = [_open("g", layer)]
    for i in range(lines):
        offset = (i % 2) * 120
        x, y = -span // 2 - offset, -span // 2 + 70 * i + 40
        parts.append(f'<text x="{x}" y="{y}">{line}</text>')
    parts.append("</g>")
    return "".join(parts)


def _beijing(timestamp: int) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC).astimezone(CHINA_STANDARD_TIME)
    return moment.strftime("%Y-%m-%d %H:%M") + " 北京时间"


def _clean(text: str) -> str:
    return _NOT_XML_CHAR.sub("\ufffd", text)


def _clip(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape_text(text: str) -> str:
    # xml.etree.ElementTree._escape_cdata
    if _TEXT_SPECIAL.search(text) is None:
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    # xml.etree.ElementTree._escape_attrib
    if _ATTRIBUTE_SPECIAL.search(value) is None:
        return value
    value = _escape_text(value).replace('"', "&quot;")
    return value.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


def _open(tag: str, attributes: Mapping[str, str]) -> str:
    pairs = "".join(f' {name}="{_escape_attribute(value)}"' for name, value in attributes.items())
    return f"<{tag}{pairs}>"


def _element(tag: str, attributes: Mapping[str, str], text: str | None = None) -> str:
    """One element without children; ``text`` cleaned and escaped (none or empty: the
    element closes itself, as ElementTree writes it)."""
    if not text:
        return _open(tag, attributes)[:-1] + " />"
    return f"{_open(tag, attributes)}{_escape_text(_clean(text))}</{tag}>"


def _rect(height: int, *, fill: str, stroke: str) -> str:
    attributes = {
        "x": "4",
        "y": "4",
        "rx": "14",
        "width": str(_WIDTH - 8),
        "height": str(height - 8),
    }
    return _element("rect", attributes | {"fill": fill, "stroke": stroke, "stroke-width": "2"})


def _text(
    x: int,
    y: int,
    content: str,
    *,
    size: int,
    fill: str = "#222222",
    weight: str | None = None,
) -> str:
    # The attributes are this module's numbers and colour names, never text from a
    # share, so they are written as they are (escaping them would change nothing); the
    # content is cleaned and escaped as _element does. A pull draws ~130 of these.
    bold = "" if weight is None else f' font-weight="{weight}"'
    start = f'<text x="{x}" y="{y}" font-size="{size}" fill="{fill}"{bold}'
    if not content:
        return start + " />"
    return f"{start}>{_escape_text(_clean(content))}</text>"
