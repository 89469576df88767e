#!/usr/bin/env python3
"""`make image-test`: the Docker image used the way a user uses it.

1. `demo` answers a piped script (a paper order placed and shown);
2. `check` passes against a paper exchange served by the image itself (`paper-exchange`);
3. `run` against the Bot API emulator (served here on loopback; the container uses
   `--network host`) and the embedded paper exchange, data on a named volume: thresholds set and
   an order card drawn, SIGTERM stops it cleanly in under 10 s, a NEW container on the same volume
   still has the thresholds and the pending approval (pressing Confirm fills the order); the
   process runs as a non-root user; `margin-desk health` is healthy while it runs;
4. `run --webhook`: updates posted with the secret are answered, without or forged get 403.

Runnable repeatedly (unique container and volume names, removed afterwards). Without a Docker
engine it prints one SKIPPED line and exits 0. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.botapi import BotApiEmulator, BotMessage  # noqa: E402
from bot.botapi.server import serve_emulator  # noqa: E402

TOKEN = "5151:image-test-token-not-a-real-one"
ALICE = 1001
NON_ROOT_UID = "10001"
WAIT = 30.0


class Failed(Exception):
    pass


def docker(*args: str, stdin: str | None = None, timeout: float = 120,
           check: bool = True) -> subprocess.CompletedProcess[str]:  # fmt: skip
    done = subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip
    if check and done.returncode != 0:
        raise Failed(f"docker {' '.join(args[:3])}… exited {done.returncode}:\n"
                     f"{done.stdout}\n{done.stderr}")  # fmt: skip
    return done


def step(text: str) -> None:
    print(f"image-test: {text}", flush=True)


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    step(f"ok: {what}")


def engine_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def env_file(path: Path, **overrides: str) -> Path:
    """.env.example with some values replaced: what a user writes into .env."""
    lines = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        name = line.partition("=")[0]
        if not line.startswith("#") and name in overrides:
            line = f"{name}={overrides.pop(name)}"
        lines.append(line)
    lines += [f"{k}={v}" for k, v in overrides.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_demo(image: str) -> None:
    script = "/start\n/balance\n/buy eth 0.5 isolated\n1\n/position eth\n"
    done = docker("run", "--rm", "-i", image, "demo", stdin=script, timeout=120)
    out = done.stdout
    expect("Mode: PAPER" in out and "FILLED" in out and "position_qty     LONG 0.5000" in out,
           "demo answered the piped script: /start, a filled paper order, the position")


def test_check(image: str, tmp: Path, tag: str) -> None:
    name = f"md-it-paper-{tag}"
    port = "18090"
    docker("run", "-d", "--name", name, "--network", "host", image,
           "paper-exchange", "--port", port)  # fmt: skip
    try:
        creds: dict[str, str] = {}
        deadline = time.monotonic() + WAIT
        while len(creds) < 3:
            if time.monotonic() > deadline:
                raise Failed("the paper exchange printed no credentials")
            time.sleep(0.3)
            for line in docker("logs", name).stdout.splitlines():
                key, sep, value = line.strip().partition("=")
                if sep and key in ("ORDERLY_ACCOUNT_ID", "ORDERLY_KEY", "ORDERLY_SECRET"):
                    creds[key] = value
        env = env_file(tmp / "check.env", ORDERLY_BASE_URL=f"http://127.0.0.1:{port}", **creds)
        done = docker("run", "--rm", "--network", "host", "--env-file", str(env), image, "check",
                      check=False)  # fmt: skip
        expect(done.returncode == 0,
               f"check passed against the served paper exchange:\n{done.stdout}{done.stderr}")
    finally:
        docker("rm", "-f", name, check=False)


async def until(probe: Callable[[], Any], what: str, seconds: float = WAIT) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := probe()):
        if time.monotonic() > deadline:
            raise Failed(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
    return value


async def say(emulator: BotApiEmulator, text: str) -> BotMessage:
    since = emulator.mark()
    emulator.push_text(ALICE, ALICE, text)
    return await emulator.wait_for_message(ALICE, since=since, timeout=WAIT)


async def start_run(image: str, name: str, volume: str, env: Path,
                    emulator: BotApiEmulator) -> None:  # fmt: skip
    before = len(emulator.calls_of("getUpdates"))
    await asyncio.to_thread(docker, "run", "-d", "--name", name, "--network", "host",
                            "-v", f"{volume}:/data", "--env-file", str(env), image, "run")
    await until(lambda: len(emulator.calls_of("getUpdates")) > before, "the bot to poll")


async def stop_run(name: str) -> None:
    started = time.monotonic()
    await asyncio.to_thread(docker, "kill", "--signal", "TERM", name)
    code = (await asyncio.to_thread(docker, "wait", name, timeout=20)).stdout.strip()
    took = time.monotonic() - started
    logs = await asyncio.to_thread(docker, "logs", name)
    text = logs.stdout + logs.stderr
    expect(code == "0" and took < 10 and "Traceback" not in text,
           f"SIGTERM stopped the bot cleanly in {took:.1f} s (exit {code})")
    if TOKEN in text or TOKEN.split(":")[1] in text:
        raise Failed("the bot token appears in the container's output")
    await asyncio.to_thread(docker, "rm", name)


async def test_run(image: str, tmp: Path, tag: str) -> None:
    name, volume = f"md-it-run-{tag}", f"md-it-data-{tag}"
    emulator = BotApiEmulator()
    try:
        async with serve_emulator(emulator) as base_url:
            env = env_file(tmp / "run.env", TELEGRAM_BOT_TOKEN=TOKEN,
                           TELEGRAM_API_BASE_URL=base_url, BOT_ALLOWED_USER_IDS=str(ALICE))
            await start_run(image, name, volume, env, emulator)
            uid = await asyncio.to_thread(docker, "exec", name, "sh", "-c",
                                          "awk '/^Uid:/{print $2}' /proc/1/status")
            expect(uid.stdout.strip() == NON_ROOT_UID,
                   f"the bot runs as the non-root user {NON_ROOT_UID}")
            expect("Mode: PAPER" in (await say(emulator, "/start")).text, "/start answered")
            set_ = await say(emulator, "/alert default 7 3")
            expect("7 %" in set_.text and "3 %" in set_.text, "thresholds set to 7 % / 3 %")
            card = await say(emulator, "/buy eth 0.5 isolated")
            expect("Confirm" in card.text, "an order card awaits approval")
            health = await until_healthy(name)
            expect(health.returncode == 0, f"health: {health.stdout.strip()}")

            await stop_run(name)
            await start_run(image, name, volume, env, emulator)  # a new container, same volume
            shown = await say(emulator, "/alert")
            expect("warning 7 % · critical 3 %" in shown.text,
                   "after the restart the thresholds are still 7 % / 3 %")
            since = emulator.mark()
            data = card.button("Confirm").callback_data
            assert data is not None
            emulator.press(ALICE, ALICE, card.message_id, data)
            done = await emulator.wait_for_message(
                ALICE, lambda m: m.message_id == card.message_id and "FILLED" in m.text,
                WAIT, since=since)  # fmt: skip
            expect("FILLED" in done.text, "after the restart the pending approval was confirmed "
                                          "and the order filled")  # fmt: skip
            await stop_run(name)
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", volume, check=False)


async def test_webhook(image: str, tmp: Path, tag: str) -> None:
    name, port = f"md-it-hook-{tag}", "18443"
    emulator = BotApiEmulator()
    try:
        async with serve_emulator(emulator) as base_url:
            env = env_file(tmp / "hook.env", TELEGRAM_BOT_TOKEN=TOKEN,
                           TELEGRAM_API_BASE_URL=base_url, BOT_ALLOWED_USER_IDS=str(ALICE),
                           TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
                           TELEGRAM_WEBHOOK_PORT=port)  # fmt: skip
            await asyncio.to_thread(docker, "run", "-d", "--name", name, "--network", "host",
                                    "--env-file", str(env), image, "run", "--webhook")
            await until(lambda: emulator.webhook.active, "setWebhook")
            reply = await say(emulator, "/start")
            expect("Mode: PAPER" in reply.text and emulator.webhook.deliveries[-1].status == 200,
                   "webhook mode: an update posted with the secret is answered")
            forged = {"update_id": 99, "message": {
                "message_id": 99, "date": int(time.time()), "text": "/start",
                "chat": {"id": ALICE, "type": "private"},
                "from": {"id": ALICE, "is_bot": False, "first_name": "A"}}}  # fmt: skip
            since = emulator.mark()
            statuses = [await emulator.webhook.post(forged, None),
                        await emulator.webhook.post(forged, "forged")]
            await asyncio.sleep(1.0)
            expect(statuses == [403, 403] and emulator.mark() == since,
                   "webhook mode: requests without or with a forged secret get 403 and no reply")
            health = await until_healthy(name)
            expect(health.returncode == 0 and "webhook" in health.stdout,
                   f"health: {health.stdout.strip()}")
            await stop_run(name)
            expect(not emulator.webhook.active, "deleteWebhook at stop")
    finally:
        docker("rm", "-f", name, check=False)


async def until_healthy(name: str) -> subprocess.CompletedProcess[str]:
    deadline = time.monotonic() + WAIT
    while True:
        done = await asyncio.to_thread(docker, "exec", name, "margin-desk", "health", check=False)
        if done.returncode == 0 or time.monotonic() > deadline:
            return done
        await asyncio.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="margin-desk")
    parser.add_argument("--no-build", action="store_true", help="test the image as it is")
    args = parser.parse_args()
    if not engine_available():
        print("image-test: SKIPPED: no Docker engine here (install Docker, or as root run "
              "../shared/tools/docker-offline where no registry is reachable)")
        return 0
    tag = uuid.uuid4().hex[:8]
    try:
        if not args.no_build:
            step(f"building {args.image}")
            docker("build", "--network", "host", "-t", args.image, str(ROOT), timeout=900)
        with tempfile.TemporaryDirectory() as tmp:
            test_demo(args.image)
            test_check(args.image, Path(tmp), tag)
            asyncio.run(test_run(args.image, Path(tmp), tag))
            asyncio.run(test_webhook(args.image, Path(tmp), tag))
    except (Failed, subprocess.TimeoutExpired, TimeoutError) as exc:
        print(f"image-test: FAILED: {exc}")
        return 1
    print("image-test: passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
