"""Department handlers (一件事 items), one module per department, and the registry the
bundle definitions name them by (:attr:`ItemDefinition.handler`).

Each is a plain function ``(ItemContext, Minter) -> ItemOutcome`` (:mod:`.base`): it
decides with the department's rule, refuses with :class:`~.base.Rejected` (the reason
the citizen reads), and mints its outputs once per key.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from wallet.bundles.handlers.base import Handler
from wallet.bundles.handlers.health import birth_medical_certificate, vaccination_certificate
from wallet.bundles.handlers.healthcare_security import (
    maternity_benefit,
    medical_insurance_enrolment,
)
from wallet.bundles.handlers.housing_fund import housing_fund_withdrawal
from wallet.bundles.handlers.human_resources import pension_approval, social_security_card
from wallet.bundles.handlers.public_security import birth_registration, driver_background_check
from wallet.bundles.handlers.taxation import medical_insurance_contribution
from wallet.bundles.handlers.transport import ride_hailing_driver_certificate

__all__ = ["HANDLERS"]

HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        # 新生儿出生一件事
        "birth_medical_certificate": birth_medical_certificate,
        "birth_registration": birth_registration,
        "vaccination_certificate": vaccination_certificate,
        "medical_insurance_enrolment": medical_insurance_enrolment,
        "social_security_card": social_security_card,
        "maternity_benefit": maternity_benefit,
        "medical_insurance_contribution": medical_insurance_contribution,
        # 退休一件事
        "pension_approval": pension_approval,
        "housing_fund_withdrawal": housing_fund_withdrawal,
        # 网约车驾驶员从业一件事
        "driver_background_check": driver_background_check,
        "ride_hailing_driver_certificate": ride_hailing_driver_certificate,
    }
)
