"""compose.yaml means what docs/deployment.md says: the bot restarts unless stopped, keeps its data
on a named volume, reads .env, is healthy only by `margin-desk health`, and the paper exchange is an
optional profile. (`docker compose config` validates it too where Compose is installed.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.cli import _parser
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SETTINGS = {name.upper() for name in Settings.model_fields}


def test_the_bot_restarts_keeps_its_data_on_a_named_volume_and_reads_dot_env() -> None:
    bot = COMPOSE["services"]["bot"]
    assert bot["restart"] == "unless-stopped"
    assert bot["env_file"] == ".env"
    volume, _, mount = bot["volumes"][0].partition(":")
    assert volume in COMPOSE["volumes"] and mount == "/data"
    assert bot["environment"]["BOT_DB_PATH"].startswith("/data/")
    assert "profiles" not in bot  # the bot always runs


def test_the_healthchecks_run_real_commands() -> None:
    bot = COMPOSE["services"]["bot"]["healthcheck"]["test"]
    assert bot[:2] == ["CMD", "margin-desk"]
    assert _parser().parse_args(bot[2:]).command == "health"
    assert _parser().parse_args(COMPOSE["services"]["bot"]["command"]).command == "run"
    paper = COMPOSE["services"]["paper"]
    assert paper["profiles"] == ["paper"]
    assert _parser().parse_args(paper["command"]).command == "paper-exchange"
    port = paper["command"][paper["command"].index("--port") + 1]
    assert f":{port}/v1/public/system_info" in " ".join(paper["healthcheck"]["test"])


def test_every_variable_it_names_is_a_setting() -> None:
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    interpolated = set(re.findall(r"\$\{([A-Z_]+)", text))
    named = {k for s in COMPOSE["services"].values() for k in s.get("environment", {})}
    assert interpolated | named <= SETTINGS


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Compose is not installed")
def test_compose_accepts_it(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"))
    done = subprocess.run(["docker-compose", "--profile", "paper", "config", "-q"], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
