"""Paper credentials: Orderly-shaped, pasteable, private on disk, stable across restarts."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from bot.config import Settings
from bot.orderly.signing import message, verify
from bot.paper.credentials import FILE_NAME, KEY_LIFETIME_MS, load_or_create
from bot.timing import FakeClock, now_ms


def test_new_credentials_look_like_orderly_ones_and_sign(tmp_path: Path) -> None:
    clock = FakeClock()
    creds = load_or_create(tmp_path, clock)
    assert re.fullmatch(r"0x[0-9a-f]{64}", creds.account_id)
    assert creds.orderly_key.startswith("ed25519:")
    assert creds.scope == frozenset({"read", "trading"})
    assert creds.expiration_ms == now_ms(clock) + KEY_LIFETIME_MS
    signed = creds.signer().sign(message(1, "GET", "/v1/positions"))
    assert verify(creds.orderly_key, message(1, "GET", "/v1/positions"), signed)
    assert creds.orderly_secret not in repr(creds)


def test_credential_lines_paste_into_settings(tmp_path: Path, monkeypatch) -> None:
    creds = load_or_create(tmp_path, FakeClock())
    lines = creds.credential_lines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "ORDERLY_ACCOUNT_ID", "ORDERLY_KEY", "ORDERLY_SECRET"]
    env = tmp_path / ".env"
    env.write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=str(env))  # type: ignore[call-arg]
    assert settings.orderly_account_id == creds.account_id
    assert settings.orderly_key == creds.orderly_key
    assert settings.orderly_secret is not None
    assert settings.orderly_secret.get_secret_value() == creds.orderly_secret


def test_credentials_are_stable_across_restarts_and_owner_only(tmp_path: Path) -> None:
    first = load_or_create(tmp_path, FakeClock())
    again = load_or_create(tmp_path, FakeClock())
    assert again == first
    mode = stat.S_IMODE((tmp_path / FILE_NAME).stat().st_mode)
    assert mode == 0o600


def test_an_expired_key_is_replaced_for_the_same_account(tmp_path: Path) -> None:
    clock = FakeClock()
    first = load_or_create(tmp_path, clock)
    clock.advance(KEY_LIFETIME_MS / 1000 + 1)
    renewed = load_or_create(tmp_path, clock)
    assert renewed.account_id == first.account_id
    assert renewed.orderly_key != first.orderly_key
    assert renewed.expiration_ms > now_ms(clock)


def test_without_a_data_dir_nothing_is_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    a, b = load_or_create(None, FakeClock()), load_or_create(None, FakeClock())
    assert a.account_id != b.account_id
    assert list(tmp_path.iterdir()) == []
