"""Small hand-built bundle definitions and item contexts for the handler tests: a
Shanghai family (林小龙 户主 in 闵行, 周敏 his wife, a daughter born just after
midnight China time), a ride-hailing driver and a retiree. Synthetic people, valid
GB 11643 check digits; no sample definition file is read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from issuers.codes import make_resident_id
from wallet.bundles.definitions.schema import (
    Baseline,
    BundleDefinition,
    FormField,
    ItemDefinition,
    OutputDefinition,
    RoleDefinition,
    Supply,
    TypedInput,
)
from wallet.bundles.handlers.base import ItemContext

NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
PUBLIC_SECURITY = "113100000000000017"  # 上海市公安局
CDC = "12310112000000011N"  # 上海市闵行区疾病预防控制中心
MEDICAL_INSURANCE = "11310000000000008W"  # 上海市医疗保障局
HRSS = "113100000000000090"  # 上海市人力资源和社会保障局
ZJ_TRANSPORT = "11330000000000003M"  # 浙江省交通运输厅

FATHER = make_resident_id("310112", date(1993, 4, 12), 31)  # 林小龙
MOTHER = make_resident_id("320582", date(1995, 9, 3), 42)  # 周敏
DRIVER = make_resident_id("330108", date(1985, 6, 2), 77)  # 赵磊
RETIREE = make_resident_id("310104", date(1966, 2, 1), 35)  # 孙建国, 60y4m on 2026-06-01
YOUNG = make_resident_id("310104", date(1970, 1, 5), 37)  # 钱卫东, not yet

BIRTH_AT = "2026-10-28T16:30:00+00:00"  # 2026-10-29 00:30 China Standard Time

BASELINE = Baseline(
    steps=15, forms=6, days=18, trips=5, materials=24,
    target_steps=2, target_forms=1, target_days=5, source="hand-made for the tests",
)  # fmt: skip


def item(
    code: str, department: str, outputs: tuple[OutputDefinition, ...] = (),
    depends_on: tuple[str, ...] = (),
) -> ItemDefinition:  # fmt: skip
    return ItemDefinition(
        code=code, name_zh=code, name_en=code, department=department,
        department_name_zh={"public_security": "上海市公安局闵行分局户政窗口",
                            "health": "上海市闵行区疾病预防控制中心",
                            "healthcare_security": "上海市闵行区医疗保障事务中心",
                            "human_resources_social_security": "上海市社会保险事业管理中心",
                            "housing_provident_fund": "上海市公积金管理中心",
                            "transport": "杭州市交通运输局"}[department],
        handler=code, outputs=outputs, depends_on=depends_on,
        certificates={"resident_id": ("name",)},
    )  # fmt: skip


def newborn_bundle() -> BundleDefinition:
    return BundleDefinition(
        bundle="newborn_test", version=1, name_zh="新生儿出生一件事", name_en="Newborn",
        region_code="310112", service_client="bundle-newborn",
        roles=(
            RoleDefinition(code="father", name_zh="父亲", applicant=True),
            RoleDefinition(code="mother", name_zh="母亲"),
            RoleDefinition(code="child", name_zh="新生儿", consents=False,
                           guardian_roles=("father", "mother")),
        ),
        supplies=(Supply(role="mother", type="birth_medical", claims=("certificate_number",),
                         material_zh="出生医学证明"),),
        form=(FormField(code="child_name", label_zh="新生儿姓名",
                        typed=TypedInput(kind="chinese_name")),),
        items=(
            item("birth_registration", "public_security", (OutputDefinition(
                type="household_register", issuer=PUBLIC_SECURITY, holder_role="father",
                mode="reissue"),)),
            item("vaccination_certificate", "health", (OutputDefinition(
                type="vaccination", issuer=CDC, holder_role="child"),)),
            item("medical_insurance_enrolment", "healthcare_security", (OutputDefinition(
                type="medical_insurance", issuer=MEDICAL_INSURANCE, holder_role="child"),),
                ("birth_registration",)),
            item("social_security_card", "human_resources_social_security", (OutputDefinition(
                type="social_security_card", issuer=HRSS, holder_role="child"),),
                ("medical_insurance_enrolment",)),
        ),
        baseline=BASELINE,
    )  # fmt: skip


def register_fields() -> dict[str, Any]:
    return {
        "household_number": "310112007", "household_type": "家庭户",
        "address": "上海市闵行区示范路8弄2号301室", "region_code": "310112",
        "registration_authority": "上海市公安局闵行分局示范路派出所",
        "members": [
            {"name": "林小龙", "sex": 1, "birth_date": "1993-04-12", "id_number": FATHER,
             "relation": "户主"},
            {"name": "周敏", "sex": 2, "birth_date": "1995-09-03", "id_number": MOTHER,
             "relation": "配偶"},
        ],
    }  # fmt: skip


def birth_claims(father: str = FATHER) -> dict[str, Any]:
    return {
        "certificate_number": "Q310098765", "child_name": "林小雨", "child_sex": 2,
        "birth_datetime": BIRTH_AT, "birth_region_code": "310112",
        "birth_place": "上海市示范妇婴医院", "mother_name": "周敏", "mother_id_number": MOTHER,
        "father_name": "林小龙", "father_id_number": father,
        "institution_name": "上海市示范妇婴医院",
    }  # fmt: skip


def newborn_context(
    code: str, application_id: str = "app-0001", *, facts: Mapping[str, Any] | None = None,
    birth: dict[str, Any] | None = None,
) -> ItemContext:  # fmt: skip
    bundle = newborn_bundle()
    return ItemContext(
        application_id=application_id, bundle=bundle,
        item=next(i for i in bundle.items if i.code == code),
        form={"child_name": "林小雨", "child_sex": 2, "child_birth_datetime": BIRTH_AT,
              "birth_certificate_number": "Q310098765", "father_name": "林小龙",
              "mother_name": "周敏", "bank_card": "6222020000001234", "phone": "13800000000"},
        certificates={
            "father": {"resident_id": {"name": "林小龙", "sex": 1, "id_number": FATHER},
                       "household_register": register_fields()},
            "mother": {"resident_id": {"name": "周敏", "sex": 2, "id_number": MOTHER},
                       "birth_medical": birth if birth is not None else birth_claims()},
        },
        holders={"father": FATHER, "mother": MOTHER},
        facts=dict(facts or {}), now=NOW,
    )  # fmt: skip


def single_role_bundle(role: str, items: tuple[ItemDefinition, ...]) -> BundleDefinition:
    return BundleDefinition(
        bundle=f"{role}_test", version=1, name_zh=role, name_en=role, region_code="330100",
        service_client="bundle-test", roles=(RoleDefinition(code=role, name_zh=role,
                                                             applicant=True),),
        supplies=(Supply(role=role, type="resident_id", claims=("name",), material_zh="身份证"),),
        form=(FormField(code="phone", label_zh="电话", typed=TypedInput(kind="phone")),),
        items=items, baseline=BASELINE,
    )  # fmt: skip


def driver_context(
    licence_first_issued: str = "2019-03-01", record: str = "经查询，未发现有犯罪记录"
) -> ItemContext:
    bundle = single_role_bundle("driver", (item("ride_hailing_driver_certificate", "transport", (
        OutputDefinition(type="ride_hailing_driver", issuer=ZJ_TRANSPORT, holder_role="driver"),
    )),))  # fmt: skip
    return ItemContext(
        application_id="app-driver", bundle=bundle, item=bundle.items[0],
        form={"service_city": "杭州市", "phone": "13900000000"},
        certificates={"driver": {
            "resident_id": {"name": "赵磊", "sex": 1, "id_number": DRIVER},
            "driving_licence": {"licence_number": DRIVER, "name": "赵磊", "vehicle_class": "C1",
                                "first_issue_date": licence_first_issued},
            "no_criminal_record": {"id_number": DRIVER, "result_text": record},
        }},
        holders={"driver": DRIVER}, facts={}, now=NOW,
    )  # fmt: skip


def retiree_context(
    code: str, holder: str = RETIREE, born: str = "1966-02-01", **form: Any
) -> ItemContext:
    bundle = single_role_bundle("retiree", (
        item("pension_approval", "human_resources_social_security", (OutputDefinition(
            type="retirement_approval", issuer=HRSS, holder_role="retiree"),)),
        item("housing_fund_withdrawal", "housing_provident_fund", (), ("pension_approval",)),
    ))  # fmt: skip
    facts = form.pop("facts", {})
    return ItemContext(
        application_id=f"app-retire-{holder}", bundle=bundle,
        item=next(i for i in bundle.items if i.code == code),
        form={"employer_name": "上海示范机械有限公司", "employer_uscc": "91310000MA1K4AQX3W",
              "retirement_kind": "正常退休", "bank_card": "6222020000005678",
              "contribution_months": 420, **form},
        certificates={"retiree": {"resident_id": {"name": "孙建国", "sex": 1,
                                                   "birth_date": born, "id_number": holder}}},
        holders={"retiree": holder}, facts=facts, now=NOW,
    )  # fmt: skip
