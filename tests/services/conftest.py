"""Fixtures shared by the monitor test modules (a test module's own fixture wins)."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from bot.timing import FakeClock
from storage.chats import ChatStore
from storage.db import open_database
from tests.services.monitor_kit import CHAT


@pytest.fixture
def db() -> Database:
    db = open_database(":memory:")
    ChatStore(db).register(CHAT, 1, 0.0)
    return db


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
