"""The card of a share: well-formed SVG, the annotation as a visible watermark, the
disclosed values only, nothing active or external, bounded in size."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from wallet.consent.annotation import Annotation
from wallet.consent.card_svg import MAX_ROWS, render_card, watermark_text

SVG = "{http://www.w3.org/2000/svg}"

ANNOTATION = Annotation(
    iss="https://elicense.example",
    license_id="1100000000000000010001310104199003151234",
    vct="urn:elicense:vct:resident_id",
    client_id="sh-hukou",
    client_name="徐汇公安分局户政",
    client_uscc="11310104MB2F12345X",
    purpose="为新生儿办理出生登记<script>alert(1)</script>",
    item_code="birth_registration",
    item_name_zh="出生登记",
    pulled_at=1_790_000_000,  # 2026-09-21 14:13:20 UTC
    valid_until=1_790_086_400,
    grant_id="g-123",
    use=1,
    max_uses=3,
    share_digest="d" * 43,
    audit_receipt="a" * 64,
)

# The ID card's fields; the share discloses name and sex only.
FULL = {
    "name": "张伟",
    "sex": 1,
    "ethnicity": "01",
    "birth_date": "1990-03-15",
    "address": "上海市徐汇区漕溪北路1号",
    "id_number": "31010419900315123X",
}
DISCLOSED = {"name": "张伟", "sex": 1}


def texts(svg: str) -> list[str]:
    return [element.text or "" for element in ET.fromstring(svg).iter(f"{SVG}text")]


def test_it_parses_and_carries_the_watermark_in_beijing_time() -> None:
    svg = render_card("居民身份证", DISCLOSED, ANNOTATION)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    stamp = watermark_text(ANNOTATION)
    assert stamp.startswith("仅供 徐汇公安分局户政 办理 出生登记：为新生儿办理出生登记")
    assert "2026-09-21 22:13 北京时间" in stamp  # UTC+8
    assert "有效期至 2026-09-22 22:13 北京时间" in stamp
    watermarks = [t for t in texts(svg) if stamp in t]
    assert len(watermarks) >= 5  # repeated across the card


def test_only_the_disclosed_values_are_drawn_with_chinese_labels() -> None:
    svg = render_card("居民身份证", DISCLOSED, ANNOTATION)
    drawn = texts(svg)
    for shown in ("姓名", "张伟", "性别"):
        assert shown in drawn
    for name in ("birth_date", "address", "id_number"):
        assert str(FULL[name]) not in svg
    for hidden in ("1990-03-15", "漕溪", "住址", "出生日期"):
        assert hidden not in svg


def test_text_is_escaped_and_nothing_is_active_or_external() -> None:
    svg = render_card("居民身份证", {"name": "张伟\x00</text><script>"}, ANNOTATION)
    root = ET.fromstring(svg)  # still well-formed
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "title", "rect", "text", "g"}
    assert "<script" not in svg
    for element in root.iter():
        assert not any("href" in name or name.startswith("on") for name in element.attrib)


def test_an_unlabelled_field_shows_its_own_name() -> None:
    assert "mystery_field" in texts(render_card("某证", {"mystery_field": "x"}, ANNOTATION))


def test_size_is_bounded_however_large_the_certificate() -> None:
    members = [{"name": f"成员{i}", "relation": "子", "id_number": "1" * 18} for i in range(300)]
    svg = render_card("居民户口簿", {"members": members, "address": "长" * 5000}, ANNOTATION)
    drawn = texts(svg)
    assert any(t.startswith("……另有") for t in drawn)
    assert len([t for t in drawn if "成员" in t]) <= MAX_ROWS
    assert len(svg) < 60_000
