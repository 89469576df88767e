"""Settings read from the environment: user ids, network names, per-network URLs, WebSocket off."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Network, Settings

ENV = tuple(name.upper() for name in Settings.model_fields)  # every variable the settings read


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_defaults_are_paper_with_no_keys() -> None:
    s = Settings()
    assert s.orderly_network is Network.PAPER and s.is_paper
    assert s.bot_allowed_user_ids == frozenset()
    assert s.bot_db_path == Path("data/margin-desk.db")
    assert (s.rest_url(), s.ws_public_url(), s.ws_private_url()) == (None, None, None)
    assert s.websocket_enabled and s.paper_start_balance == 10_000


@pytest.mark.parametrize(
    ("raw", "ids"),
    [("", set()), ("42", {42}), ("1, 22 ,333", {1, 22, 333}), ("7;8", {7, 8}), ("5,5,", {5})],
)
def test_allowed_user_ids(clean_env, raw: str, ids: set[int]) -> None:
    assert settings(clean_env, BOT_ALLOWED_USER_IDS=raw).bot_allowed_user_ids == ids


@pytest.mark.parametrize("raw", ["abc", "1,x", "1.5", "1_000", "+5", "-7", "１２", "1e3", "0x10"])
def test_bad_allowed_user_ids_are_refused(clean_env, raw: str) -> None:
    with pytest.raises(ValidationError) as refused:
        settings(clean_env, BOT_ALLOWED_USER_IDS=raw)
    assert "BOT_ALLOWED_USER_IDS must be comma-separated numeric Telegram user ids" in str(
        refused.value)


@pytest.mark.parametrize(
    ("raw", "network"),
    [("PAPER", Network.PAPER), ("Testnet", Network.TESTNET), (" mainnet ", Network.MAINNET)],
)
def test_network_is_case_insensitive(clean_env, raw: str, network: Network) -> None:
    assert settings(clean_env, ORDERLY_NETWORK=raw).orderly_network is network


def test_unknown_network_is_refused(clean_env) -> None:
    with pytest.raises(ValidationError):
        settings(clean_env, ORDERLY_NETWORK="prod")


def test_per_network_urls(clean_env) -> None:
    testnet = settings(clean_env, ORDERLY_NETWORK="testnet")
    assert testnet.rest_url() == "https://testnet-api.orderly.org"
    assert testnet.ws_public_url() == "wss://testnet-ws-evm.orderly.org/ws/stream"
    assert testnet.ws_private_url() == (
        "wss://testnet-ws-private-evm.orderly.org/v2/ws/private/stream")
    mainnet = settings(clean_env, ORDERLY_NETWORK="mainnet")
    assert mainnet.rest_url() == "https://api.orderly.org"
    assert mainnet.ws_public_url() == "wss://ws-evm.orderly.org/ws/stream"
    assert mainnet.ws_private_url() == "wss://ws-private-evm.orderly.org/v2/ws/private/stream"


def test_overrides_win_and_lose_their_trailing_slash(clean_env) -> None:
    s = settings(clean_env, ORDERLY_NETWORK="testnet", ORDERLY_BASE_URL="http://127.0.0.1:9/",
                 ORDERLY_WS_PUBLIC_URL="ws://127.0.0.1:9/pub/",
                 ORDERLY_WS_PRIVATE_URL="ws://127.0.0.1:9/priv")
    assert s.rest_url() == "http://127.0.0.1:9"
    assert (s.ws_public_url(), s.ws_private_url()) == ("ws://127.0.0.1:9/pub",
                                                       "ws://127.0.0.1:9/priv")


def test_a_served_paper_exchange_has_its_streams_on_the_rest_host(clean_env) -> None:
    s = settings(clean_env, ORDERLY_BASE_URL="http://127.0.0.1:8090")
    assert s.ws_public_url() == "ws://127.0.0.1:8090/ws/stream"
    assert s.ws_private_url() == "ws://127.0.0.1:8090/v2/ws/private/stream"


@pytest.mark.parametrize("name", ["ORDERLY_WS_PUBLIC_URL", "ORDERLY_WS_PRIVATE_URL"])
@pytest.mark.parametrize("off", ["off", "OFF", " Off "])
def test_websocket_off_disables_both_streams(clean_env, name: str, off: str) -> None:
    s = settings(clean_env, ORDERLY_NETWORK="mainnet", **{name: off})
    assert not s.websocket_enabled
    assert (s.ws_public_url(), s.ws_private_url()) == (None, None)
    assert s.rest_url() == "https://api.orderly.org"  # REST polling still has its URL


def test_secrets_stay_out_of_repr(clean_env) -> None:
    s = settings(clean_env, TELEGRAM_BOT_TOKEN="123456:" + "A" * 35,
                 ORDERLY_SECRET="ed25519:DAbXSmm9AVLDFg7aeuCFbRUcb8m5WutRNt9GYHw5D9Qv")
    text = repr(s) + str(s.model_dump())
    assert "AAAAAAAAAA" not in text and "DAbXSmm9" not in text
    assert s.orderly_secret is not None
    assert s.orderly_secret.get_secret_value().endswith("D9Qv")


@pytest.mark.parametrize(("name", "value"), [("LOG_LEVEL", "chatty"),
                                             ("PAPER_START_BALANCE", "0"),
                                             ("MONITOR_POLL_SECONDS", "-1")])
def test_other_bad_values_are_refused(clean_env, name: str, value: str) -> None:
    with pytest.raises(ValidationError):
        settings(clean_env, **{name: value})


def test_log_level_is_case_insensitive(clean_env) -> None:
    assert settings(clean_env, LOG_LEVEL="debug").log_level == "DEBUG"


def test_bot_timings_override_named_fields_and_refuse_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings(monkeypatch).timings().settle_interval == 30.0
    custom = settings(monkeypatch, BOT_TIMINGS="settle_interval=0.5, max_clock_skew_ms=3000")
    timings = custom.timings()
    assert (timings.settle_interval, timings.max_clock_skew_ms) == (0.5, 3000)
    assert timings.request_lifetime == 3 + timings.http_timeout
    for bad, why in [("settle=1", "not NAME=VALUE"), ("http_timeout=soon", "not a number"),
                     ("http_timeout=0", "positive"), ("http_timeout=inf", "positive")]:
        with pytest.raises(ValidationError, match=why):
            settings(monkeypatch, BOT_TIMINGS=bad)


def test_a_shorter_timestamp_window_is_refused_on_a_real_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Orderly accepts a timestamp for 300 s: settling sooner could call a landed write failed
    with pytest.raises(ValidationError, match="only with ORDERLY_NETWORK=paper"):
        settings(monkeypatch, ORDERLY_NETWORK="testnet", BOT_TIMINGS="max_clock_skew_ms=3000")
    assert settings(monkeypatch, ORDERLY_NETWORK="testnet",
                    BOT_TIMINGS="http_timeout=3").timings().http_timeout == 3


def test_the_pause_hook_is_off_unless_named_and_names_a_known_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings(monkeypatch).test_pause_at is None
    assert settings(monkeypatch, TEST_PAUSE_AT="answered").test_pause_at == "answered"
    with pytest.raises(ValidationError, match="TEST_PAUSE_AT must be one of"):
        settings(monkeypatch, TEST_PAUSE_AT="sometime")
