"""A small hand-made bundle definition and applications for the report's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.report import ApplicationFacts, ItemFacts

# Monday 2026-11-02 09:00 in China (01:00 UTC).
MONDAY = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)

DEFINITION = BundleDefinition.model_validate(
    {
        "bundle": "toy",
        "version": 1,
        "name_zh": "玩具一件事",
        "name_en": "A toy bundle",
        "region_code": "310000",
        "service_client": "toy-client",
        "roles": [{"code": "applicant", "name_zh": "申请人", "applicant": True}],
        "supplies": [
            {
                "role": "applicant",
                "type": "resident_id",
                "claims": ["name"],
                "material_zh": "居民身份证<原件>",
            },
            {
                "role": "applicant",
                "type": "household_register",
                "claims": ["address"],
                "material_zh": "户口簿 & 复印件",
            },
        ],
        "form": [
            {
                "code": "name",
                "label_zh": "姓名",
                "sources": [{"role": "applicant", "type": "resident_id", "claim": "name"}],
            }
        ],
        "items": [
            {
                "code": "first",
                "name_zh": "第一项",
                "name_en": "First",
                "department": "public_security",
                "department_name_zh": "公安分局",
                "handler": "first",
                "promised_days": 2,
                "certificates": {"resident_id": ["name"]},
            },
            {
                "code": "second",
                "name_zh": "第二项",
                "name_en": "Second",
                "department": "health",
                "department_name_zh": "卫健委",
                "handler": "second",
                "depends_on": ["first"],
                "promised_days": 0,
                "certificates": {"resident_id": ["name"]},
            },
        ],
        "baseline": {
            "steps": 15,
            "forms": 6,
            "days": 18,
            "trips": 5,
            "materials": 24,
            "target_steps": 2,
            "target_forms": 1,
            "target_days": 5,
            "source": "hand-made",
        },
    }
)


def done(code: str, start: datetime, seconds: float) -> ItemFacts:
    return ItemFacts(code, "done", start, start + timedelta(seconds=seconds))


def completed(app_id: str, start: datetime, first_s: float, second_s: float) -> ApplicationFacts:
    """An application whose two items took ``first_s`` then ``second_s`` seconds."""
    second_start = start + timedelta(seconds=first_s)
    end = second_start + timedelta(seconds=second_s)
    items = (done("first", start, first_s), done("second", second_start, second_s))
    return ApplicationFacts(app_id, "completed", start, end, items, materials_waived=2)
