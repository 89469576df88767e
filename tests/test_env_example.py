"""`.env.example` read the way `docker run --env-file` reads it: every line is `NAME=VALUE` taken
literally (an inline `# comment` or quotes would stay in the value), comments only on their own
lines; it names every variable the settings know, nothing else, and loads into the settings with
the same values python-dotenv (`make run`) reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.config import Network, Settings
from tests.test_config import ENV

EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def docker_env_file(path: Path) -> dict[str, str]:
    """Docker's --env-file rules: skip blank lines and lines starting with #; split at the first
    '='; the value is kept verbatim (no quote removal, no comment stripping)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.lstrip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f"line {number}: {raw!r} is not NAME=VALUE"
        assert name == name.strip() and name, f"line {number}: spaces around the name"
        values[name] = value
    return values


def test_every_line_is_a_plain_assignment_docker_and_dotenv_read_alike() -> None:
    docker = docker_env_file(EXAMPLE)
    for name, value in docker.items():
        assert "#" not in value, f"{name}: an inline comment would become part of the value"
        assert not value.startswith(("'", '"')), f"{name}: Docker keeps the quotes"
        assert value == value.strip(), f"{name}: surrounding spaces stay in the value"
        assert "$" not in value, f"{name}: compose would interpolate it"
    assert {k: v or "" for k, v in dotenv_values(EXAMPLE).items()} == docker


def test_it_names_every_setting_and_nothing_else() -> None:
    assert sorted(docker_env_file(EXAMPLE)) == sorted(ENV)


def test_it_loads_into_the_settings_with_safe_paper_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in docker_env_file(EXAMPLE).items():  # exactly what the container sees
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings == Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.orderly_network is Network.PAPER and settings.is_paper
    assert settings.telegram_bot_token is None and settings.orderly_secret is None
    assert settings.bot_allowed_user_ids == frozenset()
    assert settings.telegram_webhook_url is None  # long polling
    assert settings.bot_db_path == Path("data/margin-desk.db")
    assert settings.websocket_enabled and settings.rest_url() is None
    for name in ENV:  # each value given equals the settings' default: the example changes nothing
        monkeypatch.delenv(name, raising=False)
    assert Settings(_env_file=None) == settings  # type: ignore[call-arg]
