"""PaperStore: the engine snapshot survives closing and reopening the SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.paper.engine import PaperEngine
from bot.paper.persistence import PaperStore
from bot.timing import FakeClock
from tests.paper.engine_fixtures import ACCOUNT, BUY, ETH, ISOLATED, D, make_engine, req


def test_empty_store_loads_none(tmp_path: Path) -> None:
    store = PaperStore(tmp_path / "paper.db")
    assert store.load() is None
    mode = store._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    store.close()


def test_positions_survive_a_reopened_store(tmp_path: Path) -> None:
    path = tmp_path / "paper.db"
    engine = make_engine("5000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1.2345", ISOLATED))
    engine.set_mark(ETH, D("2499.99"))
    store = PaperStore(path)
    store.save(engine.snapshot(), saved_ms=1)
    store.close()

    reopened = PaperStore(path)
    data = reopened.load()
    reopened.close()
    assert data == engine.snapshot()
    restored = PaperEngine.restore(data, FakeClock())
    pos = restored.position(ACCOUNT, ETH, ISOLATED)
    assert pos == engine.position(ACCOUNT, ETH, ISOLATED)
    assert pos.position_qty == D("1.2345") and pos.margin == D("308.625")


def test_save_replaces_the_previous_snapshot(tmp_path: Path) -> None:
    store = PaperStore(tmp_path / "paper.db")
    store.save({"version": 1, "n": "1"})
    store.save({"version": 1, "n": D("2.50")})  # a stray Decimal is kept exact, as text
    assert store.load() == {"version": 1, "n": "2.50"}
    assert store._db["paper_snapshot"].count == 1
    with pytest.raises(TypeError):
        store.save({"bad": 1.5j})
    store.close()
