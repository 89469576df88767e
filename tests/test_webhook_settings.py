"""Webhook settings, `run --webhook` refusals, and `margin-desk health` judging the heartbeat."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.cli import main
from bot.config import Settings
from bot.errors import ConfigError
from bot.runtime.heartbeat import Beat, heartbeat_path, problems, write_beat
from bot.webhook import webhook_from_settings
from tests.test_config import ENV


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.chdir(tmp_path)
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "data" / "bot.db"))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield monkeypatch
    root.handlers[:] = handlers
    root.setLevel(level)


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, telegram_bot_token=SecretStr("1:tok"), **values)  # type: ignore[call-arg,arg-type]


def test_the_webhook_serves_the_urls_path_with_the_configured_secret() -> None:
    hook = webhook_from_settings(_settings(
        telegram_webhook_url="https://bot.example.com/telegram/hook",
        telegram_webhook_secret=SecretStr("abc-DEF_123"), telegram_webhook_listen="0.0.0.0",
    ), requested=False)  # fmt: skip
    assert hook is not None
    assert (hook.path, hook.port, hook.secret) == ("telegram/hook", 8080, "abc-DEF_123")
    assert hook.local_url == "http://127.0.0.1:8080/telegram/hook"
    assert "abc-DEF_123" not in repr(hook)


def test_without_a_configured_secret_one_is_derived_from_the_token_and_stable() -> None:
    a = _settings(telegram_webhook_url="https://x.example/t").webhook_secret()
    b = _settings(telegram_webhook_url="https://x.example/t").webhook_secret()
    assert a == b and a is not None and len(a) == 64 and "tok" not in a
    other = Settings(_env_file=None, telegram_bot_token=SecretStr("2:other"))  # type: ignore[call-arg]
    assert other.webhook_secret() != a


def test_no_url_means_long_polling_unless_webhook_is_asked_for() -> None:
    assert webhook_from_settings(_settings(), requested=False) is None
    with pytest.raises(ConfigError, match="--webhook needs TELEGRAM_WEBHOOK_URL"):
        webhook_from_settings(_settings(), requested=True)


@pytest.mark.parametrize(("name", "value", "says"), [
    ("TELEGRAM_WEBHOOK_SECRET", "has spaces in it", "TELEGRAM_WEBHOOK_SECRET must be"),
    ("TELEGRAM_WEBHOOK_URL", "bot.example.com/hook", "TELEGRAM_WEBHOOK_URL must be"),
    ("TELEGRAM_WEBHOOK_PORT", "70000", "TELEGRAM_WEBHOOK_PORT"),
])  # fmt: skip
def test_bad_webhook_settings_are_one_clear_line_and_exit_2(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str, says: str
) -> None:
    env.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1
    if name == "TELEGRAM_WEBHOOK_SECRET":
        assert value not in err


def test_run_webhook_without_a_url_refuses_with_exit_2(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert main(["run", "--webhook"]) == 2
    assert "--webhook needs TELEGRAM_WEBHOOK_URL" in capsys.readouterr().err


def test_health_without_a_running_bot_is_unhealthy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health"]) == 1
    assert capsys.readouterr().out.startswith("unhealthy: no heartbeat")


def test_health_reads_a_fresh_beat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = heartbeat_path(tmp_path / "data" / "bot.db")
    path.parent.mkdir(parents=True)
    write_beat(path, Beat(time.time(), 1, "polling", True, True, "normal"))
    assert main(["health"]) == 0
    assert "healthy: polling Telegram, exchange reachable" in capsys.readouterr().out
    assert path.stat().st_mode & 0o777 == 0o600


def test_every_problem_of_a_beat_is_named() -> None:
    now = 1_000_000.0
    beat = Beat(now - 100, 1, "webhook", False, False, "HTTP 502",
                webhook_local_url="http://127.0.0.1:1/x")  # fmt: skip
    found = problems(beat, now)
    assert any("100 s ago" in p for p in found)
    assert "not receiving updates (webhook)" in found
    assert "exchange unreachable: HTTP 502" in found
    assert any("refuses connections" in p for p in found)
    assert problems(Beat(now, 1, "polling", True, True, "normal"), now) == []
