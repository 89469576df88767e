"""Docs that cannot drift: every registered command is in the README, in /help and in the menu
Telegram shows (setMyCommands at start-up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import UserInputError
from bot.handlers.parsing import parse_command
from bot.handlers.register import HANDLERS, MENU
from tests.e2e.harness import Desk

on_module_loop = pytest.mark.asyncio(loop_scope="module")  # where the shared exchange lives

README = Path(__file__).resolve().parents[2] / "README.md"
# Argument shapes tried on every menu command to learn which command types it reaches.
ARGUMENTS = ("", " eth", " eth 1", " eth 1 2500", " eth cross", " all", " all 5", " add eth 1",
             " eth on", " eth 1h", " 100", " buy", " 1", " algo 1")  # fmt: skip


def readme_commands_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Commands")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def names_reaching(command_type: type) -> set[str]:
    """Menu commands that some typed arguments turn into command_type."""
    found = set()
    for name, _ in MENU:
        for args in ARGUMENTS:
            try:
                if type(parse_command(f"/{name}{args}")) is command_type:
                    found.add(name)
            except UserInputError:
                continue
    return found


def test_every_handled_command_type_is_reachable_from_the_menu() -> None:
    unreachable = [t.__name__ for t in HANDLERS if not names_reaching(t)]
    assert unreachable == []


def test_every_menu_command_is_in_the_readme_commands_table() -> None:
    section = readme_commands_section()
    missing = [name for name, _ in MENU if f"| `/{name}" not in section
               and f"`/{name} " not in section and f"`/{name}`" not in section]  # fmt: skip
    assert missing == []


@on_module_loop
async def test_help_lists_every_menu_command(desk: Desk) -> None:
    text = (await desk.say("/help")).text
    listed = {line.split()[0] for line in text.splitlines() if line.startswith("/")}
    assert {f"/{name}" for name, _ in MENU} <= listed
    for name, _ in MENU:
        one = (await desk.say(f"/help {name}")).text
        assert one.startswith(f"/{name}"), one


@on_module_loop
async def test_help_lists_only_commands_this_version_runs(desk: Desk) -> None:
    text = (await desk.say("/help")).text
    listed = {line.split()[0].lstrip("/") for line in text.splitlines() if line.startswith("/")}
    assert listed == {name for name, _ in MENU}


@on_module_loop
async def test_set_my_commands_was_called_at_start_up_with_exactly_the_menu(desk: Desk) -> None:
    [call] = desk.emulator.calls_of("setMyCommands")
    expected = [{"command": name, "description": text} for name, text in MENU]
    assert call.params["commands"] == expected
    assert call.status == 200
    assert desk.emulator.commands() == expected
    first_poll = next(i for i, c in enumerate(desk.emulator.calls) if c.method == "getUpdates")
    assert desk.emulator.calls.index(call) < first_poll
