"""Fixtures: one paper exchange per test module, and per test a fresh account and a new bot.

Every e2e test module runs in its module's event loop, where the shared exchange lives:

    pytestmark = pytest.mark.asyncio(loop_scope="module")
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.paper.runner import PaperExchange
from tests.e2e.harness import Desk
from tests.e2e.tap import paper_exchange


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def exchange() -> AsyncIterator[PaperExchange]:
    async with paper_exchange() as paper:
        yield paper


@pytest_asyncio.fixture(loop_scope="module")
async def desk(exchange: PaperExchange, tmp_path: Path) -> AsyncIterator[Desk]:
    async with Desk.open(tmp_path, exchange) as running:
        yield running
