"""The bundle definition format: one file per bundle in ``samples/bundles/``.

A definition is data, checked by these pydantic models when it is loaded, and then
against the certificate catalogue (:mod:`wallet.bundles.definitions.checks`), so a
typo fails at start-up naming the file and the field, never at a citizen's
application. The parts, in the order a reader meets them:

* ``roles``: who takes part (father, mother, child, applicant, employer). ``consents``
  says whether the role's holder must approve the authorisation request; a role with
  ``guardian_roles`` may be consented for by a holder of one of those roles (a
  parent for a minor, 民法典 第二十七条).
* ``supplies``: the certificates each role supplies, the claims needed from each
  (the bundle items' allowed claims the consent service checks requests against),
  and the paper material (材料) the certificate replaces.
* ``form``: the one form (一表制). A field is either mapped from certificate claims
  (``sources``, several when several certificates carry it: when their values
  differ the application flags a conflict) or typed by the applicant (``typed``).
* ``items``: each with its department, its handler, its form inputs, the items it
  depends on, the certificates it mints, and the time promised (承诺时限).
* ``baseline``: the paper process's steps, forms, days, trips and materials, from the
  seeds, against which the report counts what was saved.
* ``submit_within_days`` (default 30): the application lapses when its form is not
  submitted within this many days of filing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "Baseline",
    "BundleDefinition",
    "ClaimSource",
    "FormField",
    "ItemDefinition",
    "OutputDefinition",
    "RoleDefinition",
    "Supply",
    "TypedInput",
]

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
"""A stable snake_case code: roles, items, form fields, bundles."""

Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleDefinition(_Strict):
    code: Code  # father, mother, child, applicant, employer
    name_zh: Text
    consents: bool = True  # must the role's holder approve the authorisation request?
    # A minor's role: one of these roles' holders consents for it (监护人).
    guardian_roles: tuple[Code, ...] = ()
    # The role that files the application (申请人); exactly one role has it.
    applicant: bool = False


class Supply(_Strict):
    """One certificate a role supplies, and the paper material it replaces."""

    role: Code
    type: Code  # catalogue slug
    claims: tuple[Code, ...] = Field(min_length=1)  # top-level field names
    material_zh: Text  # 材料 the certificate replaces, e.g. 父母双方居民身份证原件及复印件
    # True when the certificate may come from another province's platform, presented by
    # the holder and verified through the trust lists (跨省通办).
    cross_region: bool = False
    optional: bool = False


class ClaimSource(_Strict):
    role: Code
    type: Code
    # A top-level claim, or a dotted path into it for lists of records selected by the
    # role's holder: ``members[id_number=$holder].relation``.
    claim: Annotated[str, StringConstraints(min_length=1, max_length=120)]


class TypedInput(_Strict):
    """A value no certificate has, typed by the applicant (the baby's name, a bank card)."""

    # ``count``: a whole number of at most six digits (e.g. months of contributions).
    kind: Literal["chinese_name", "text", "bank_card", "phone", "date", "choice", "count"]
    choices: tuple[Text, ...] = ()  # for ``choice``
    required: bool = True


class FormField(_Strict):
    code: Code
    label_zh: Text
    sources: tuple[ClaimSource, ...] = ()
    typed: TypedInput | None = None  # exactly one of sources and typed


class OutputDefinition(_Strict):
    """A certificate an item mints into the wallets."""

    type: Code  # catalogue slug
    issuer: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{18}$")]  # issuer USCC
    holder_role: Code  # whose certificate it is; a minor's also reaches its guardians
    # ``reissue`` re-issues the role's certificate of this type as version + 1 and
    # sets the old version to 05 失效; ``new`` mints a fresh certificate.
    mode: Literal["new", "reissue"] = "new"
    material_zh: Text | None = None  # the paper result it replaces, if any


class ItemDefinition(_Strict):
    code: Code  # unique across every bundle: consent requests name it
    name_zh: Text
    name_en: Text
    department: Code  # DepartmentKind value
    department_name_zh: Text  # 承办部门, e.g. 区公安分局户籍窗口
    handler: Code  # a key of wallet.bundles.handlers.HANDLERS
    inputs: tuple[Code, ...] = ()  # form fields the department reads
    depends_on: tuple[Code, ...] = ()  # items that must complete first
    outputs: tuple[OutputDefinition, ...] = ()
    promised_days: Annotated[int, Field(ge=0, le=365)] = 1  # 承诺时限, working days
    # The most a request for this item may ask, per type: the consent service checks
    # requests against it (wallet.consent.items reads this key).
    certificates: dict[Code, tuple[Code, ...]]


class Baseline(_Strict):
    """The paper process and the one-stop target, from the seeds' own figures."""

    steps: Annotated[int, Field(ge=0)]
    forms: Annotated[int, Field(ge=0)]
    days: Annotated[int, Field(ge=0)]
    trips: Annotated[int, Field(ge=0)]
    materials: Annotated[int, Field(ge=0)]
    target_steps: Annotated[int, Field(ge=0)]
    target_forms: Annotated[int, Field(ge=0)]
    target_days: Annotated[int, Field(ge=0)]
    source: Text  # where the figures come from


class BundleDefinition(_Strict):
    bundle: Code  # also the consent item for the whole application
    version: Annotated[int, Field(ge=1)]
    name_zh: Text
    name_en: Text
    region_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    service_client: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    roles: tuple[RoleDefinition, ...] = Field(min_length=1)
    supplies: tuple[Supply, ...] = Field(min_length=1)
    form: tuple[FormField, ...] = Field(min_length=1)
    items: tuple[ItemDefinition, ...] = Field(min_length=1)
    baseline: Baseline
    # An application whose form is not submitted within this many days of filing
    # lapses (逾期未提交，视为撤回申请): its workflow ends instead of waiting forever.
    submit_within_days: Annotated[int, Field(ge=1, le=90)] = 30
