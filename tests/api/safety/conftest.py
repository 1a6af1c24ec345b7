"""The operator who moderates in the safety tests."""

from __future__ import annotations

import pytest

from cli import _operator
from settings import Settings
from tests.helpers import Account, GraphQLClient, create_user


@pytest.fixture
async def operator(client: GraphQLClient, settings: Settings) -> Account:
    """@moderator, granted the operator role as `fanreel operator grant moderator` does."""
    account = await create_user(client, handle="moderator")
    assert settings.database_url
    assert (await _operator(settings.database_url, "grant", "moderator"))[0] == 0
    return account
