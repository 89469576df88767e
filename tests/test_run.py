"""`margin-desk run`: refuses to start without a token, and refuses a second instance."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import run_bot
from bot.config import Settings
from bot.errors import ConfigError
from storage.lock import InstanceLock


def _settings(tmp_path: Path, token: str | None = "123:abc") -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_bot_token=SecretStr(token) if token else None,
        bot_allowed_user_ids=frozenset({1}),
        bot_db_path=tmp_path / "bot.db",
    )


async def test_run_without_a_token_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        await run_bot(_settings(tmp_path, token=None))


async def test_a_second_instance_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with InstanceLock(settings.bot_db_path), pytest.raises(
        ConfigError, match=r"another margin-desk is already running on .*bot\.db; stop it first"
    ):
        await run_bot(settings)
