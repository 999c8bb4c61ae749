from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.web.helpers import PASSWORDS, PEOPLE
from wallet.accounts import AccountService


@pytest.fixture
def accounts(app: FastAPI) -> AccountService:
    """张伟, 李娜 and 陈强 with their own passwords."""
    service: AccountService = app.state.accounts
    for id_number, name in PEOPLE.items():
        service.register(id_number, name, PASSWORDS[id_number])
    return service
