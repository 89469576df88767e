"""The Bot API emulator answers like Telegram: strict refusals, faults, long polling, records."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest

from bot.botapi import BotApiEmulator, emulator_transport, parse_html
from bot.botapi.strict import ApiError
from bot.timing import FakeClock

# A real 1 x 1 PNG (signature, IHDR, IDAT, IEND).
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

CHAT, USER = 100, 100
TOKEN = "987654:SECRET-token"


def keyboard(*data: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": d, "callback_data": d} for d in data]]}


async def api(emu: BotApiEmulator, method: str, **params: Any) -> dict[str, Any]:
    status, body = await emu.call(method, params)
    assert (status == 200) == body["ok"]
    return body


async def send(emu: BotApiEmulator, text: str, **params: Any) -> dict[str, Any]:
    return await api(emu, "sendMessage", chat_id=CHAT, text=text, **params)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> BotApiEmulator:
    return BotApiEmulator(clock=clock)


@pytest.fixture
async def client(emu: BotApiEmulator):
    async with httpx.AsyncClient(
        transport=emulator_transport(emu), base_url=f"http://emulator/bot{TOKEN}/"
    ) as c:
        yield c


# ---- strict like Telegram ------------------------------------------------------------------


async def test_text_limit_counts_rendered_text_not_markup(emu: BotApiEmulator) -> None:
    assert (await send(emu, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML"))["ok"]
    body = await send(emu, "x" * 4097)
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message is too long",
    }
    assert len(emu.sent_messages(CHAT)) == 1


async def test_empty_text_is_refused(emu: BotApiEmulator) -> None:
    assert (await send(emu, ""))["description"] == "Bad Request: message text is empty"
    assert (await send(emu, "<b> </b>", parse_mode="HTML"))["description"].endswith("is empty")


@pytest.mark.parametrize(
    ("data", "ok"), [("x" * 64, True), ("é" * 32, True), ("x" * 65, False), ("é" * 33, False)]
)
async def test_callback_data_is_limited_to_64_bytes(
    emu: BotApiEmulator, data: str, ok: bool
) -> None:
    body = await send(emu, "pick", reply_markup=keyboard(data))
    assert body["ok"] is ok
    if not ok:
        assert body["description"] == "Bad Request: BUTTON_DATA_INVALID"


@pytest.mark.parametrize(
    "html",
    ["a < b", "AT&T", "<foo>x</foo>", "<b><i>x</b></i>", "<b>open", "close</b>", "<span>x</span>",
     '<a href="x>y', "<b disabled>x</b>", "&bogus;"],
)  # fmt: skip
async def test_html_telegram_cannot_parse_is_refused(emu: BotApiEmulator, html: str) -> None:
    body = await send(emu, html, parse_mode="HTML")
    assert body["error_code"] == 400
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    assert emu.sent_messages() == []


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("<b>B</b> <strong>S</strong> <i>i</i><em>e</em><u>u</u><ins>n</ins>", "B S ieun"),
        ("<s>s</s><strike>t</strike><del>d</del>", "std"),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy"),
        ('<a href="https://e.com/?a=1&amp;b=2">link</a>', "link"),
        ('<pre><code class="language-python">a &lt; b</code></pre>', "a < b"),
        ('<blockquote>q</blockquote><tg-emoji emoji-id="5">👍</tg-emoji>', "q👍"),
        ("1 &gt; 0 &amp;&amp; &quot;x&quot; &#39;y&#x27; > z", "1 > 0 && \"x\" 'y' > z"),
    ],
)
async def test_supported_html_renders_like_telegram(html: str, plain: str) -> None:
    assert parse_html(html)[0] == plain


def test_entities_use_utf16_offsets() -> None:
    _, entities = parse_html('😀 <a href="https://e.com">go</a> <pre><code class="language-py">'
                             "x</code></pre>")  # fmt: skip
    assert entities == [
        {"type": "text_link", "offset": 3, "length": 2, "url": "https://e.com"},
        {"type": "pre", "offset": 6, "length": 1, "language": "py"},
    ]


async def test_edit_that_changes_nothing_is_refused(emu: BotApiEmulator) -> None:
    mid = (await send(emu, "<b>hi</b>", parse_mode="HTML", reply_markup=keyboard("r")))["result"][
        "message_id"
    ]
    body = await api(emu, "editMessageText", chat_id=CHAT, message_id=mid, text="<b>hi</b>",
                     parse_mode="HTML", reply_markup=keyboard("r"))  # fmt: skip
    assert body["description"].startswith("Bad Request: message is not modified: specified new")
    body = await api(emu, "editMessageReplyMarkup", chat_id=CHAT, message_id=mid,
                     reply_markup=keyboard("r"))  # fmt: skip
    assert "message is not modified" in body["description"]
    # Leaving the keyboard out of an edit is a change: Telegram removes it.
    body = await api(emu, "editMessageText", chat_id=CHAT, message_id=mid, text="<b>hi</b>",
                     parse_mode="HTML")  # fmt: skip
    assert body["ok"] and "reply_markup" not in body["result"]
    assert emu.message(CHAT, mid).buttons == [] and emu.message(CHAT, mid).edit_date is not None


async def test_editing_or_deleting_a_missing_message_is_refused(emu: BotApiEmulator) -> None:
    body = await api(emu, "editMessageText", chat_id=CHAT, message_id=99, text="x")
    assert body["description"] == "Bad Request: message to edit not found"
    mid = (await send(emu, "bye"))["result"]["message_id"]
    assert (await api(emu, "deleteMessage", chat_id=CHAT, message_id=mid))["result"] is True
    assert emu.message(CHAT, mid).deleted
    body = await api(emu, "editMessageReplyMarkup", chat_id=CHAT, message_id=mid)
    assert body["description"] == "Bad Request: message to edit not found"
    body = await api(emu, "deleteMessage", chat_id=CHAT, message_id=mid)
    assert body["description"] == "Bad Request: message to delete not found"


async def test_callback_query_expires_after_15s_and_answers_once(
    emu: BotApiEmulator, clock: FakeClock
) -> None:
    mid = (await send(emu, "go?", reply_markup=keyboard("yes", "no")))["result"]["message_id"]
    first, second = emu.press(CHAT, USER, mid, "yes"), emu.press(CHAT, USER, mid, "no")
    assert int(second) > int(first)
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert (await api(emu, "answerCallbackQuery", callback_query_id=first))["ok"]
    again = await api(emu, "answerCallbackQuery", callback_query_id=first)
    assert again["description"] == too_old
    clock.advance(15.5)
    late = await api(emu, "answerCallbackQuery", callback_query_id=second, text="late")
    assert late["description"] == too_old
    assert emu.callback_answer(first) == {"callback_query_id": first}
    assert emu.callback_answer(second) is None


async def test_press_builds_a_callback_update_for_a_real_button(emu: BotApiEmulator) -> None:
    mid = (await send(emu, "go?", reply_markup=keyboard("yes")))["result"]["message_id"]
    query_id = emu.press(CHAT, USER, mid, "yes")
    update = emu.pending_updates[-1]
    query = update["callback_query"]
    assert query["id"] == query_id and query["data"] == "yes"
    assert query["from"]["id"] == USER and query["message"]["message_id"] == mid
    assert query["message"]["reply_markup"] == keyboard("yes")
    with pytest.raises(LookupError):
        emu.press(CHAT, USER, mid, "forged")
    with pytest.raises(LookupError):
        emu.press(CHAT, USER, mid + 1, "yes")


def test_push_text_builds_telegram_updates(emu: BotApiEmulator) -> None:
    first = emu.push_text(CHAT, USER, "/start now", username="ann", first_name="Ann")
    emu.push_text(-5, USER, "hello", chat_type="supergroup", sender_chat=-5)
    emu.push_text(CHAT, USER, "/start later", edited=True)
    emu.push_text(CHAT, USER, "fwd", forward=True)
    u1, u2, u3, u4 = emu.pending_updates
    assert [u["update_id"] for u in (u1, u2, u3, u4)] == [1, 2, 3, 4]
    msg = u1["message"]
    assert msg["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert msg["chat"] == {"id": CHAT, "type": "private", "first_name": "Ann", "username": "ann"}
    assert msg["from"]["username"] == "ann"
    assert u2["message"]["sender_chat"]["id"] == -5
    assert u2["message"]["from"]["username"] == "GroupAnonymousBot"
    assert "entities" not in u2["message"]
    assert u3["edited_message"]["message_id"] == first and "edit_date" in u3["edited_message"]
    assert u4["message"]["forward_origin"]["type"] == "hidden_user"


async def test_commands_menu_round_trip_and_validation(emu: BotApiEmulator) -> None:
    cmds = [{"command": "status", "description": "Show positions"}]
    scope = {"type": "all_private_chats"}
    assert (await api(emu, "setMyCommands", commands=cmds, scope=scope))["ok"]
    assert (await api(emu, "getMyCommands", scope=scope))["result"] == cmds
    assert (await api(emu, "getMyCommands"))["result"] == []
    bad = await api(emu, "setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}])
    assert bad["description"] == "Bad Request: BOT_COMMAND_INVALID"


# ---- faults and flood limits ----------------------------------------------------------------


async def test_fail_next_429_answers_like_telegram_then_recovers(emu: BotApiEmulator) -> None:
    emu.fail_next("sendMessage", 429, count=2, retry_after=7)
    expected = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7}}  # fmt: skip
    assert await send(emu, "a") == expected
    assert await send(emu, "b") == expected
    assert (await send(emu, "c"))["ok"]
    assert [c.status for c in emu.calls_of("sendMessage")] == [429, 429, 200]
    assert [m.text for m in emu.sent_messages(CHAT)] == ["c"]


@pytest.mark.parametrize(
    ("kind", "description", "expected"),
    [
        (403, None, "Forbidden: bot was blocked by the user"),
        (400, "chat not found", "Bad Request: chat not found"),
        (502, None, "Bad Gateway"),
    ],
)
async def test_fail_next_refusals(
    emu: BotApiEmulator, kind: int, description: str | None, expected: str
) -> None:
    emu.fail_next("editMessageText", kind, description=description)
    body = await api(emu, "editMessageText", chat_id=CHAT, message_id=1, text="x")
    assert (body["error_code"], body["description"]) == (kind, expected)
    with pytest.raises(ValueError):
        emu.fail_next("sendMessage", 418)


async def test_blocked_chat_gets_403(emu: BotApiEmulator) -> None:
    emu.blocked.add(CHAT)
    body = await send(emu, "hello?")
    assert (body["error_code"], body["description"]) == (
        403,
        "Forbidden: bot was blocked by the user",
    )


async def test_timeouts_through_the_transport(
    emu: BotApiEmulator, client: httpx.AsyncClient
) -> None:
    emu.fail_next("sendMessage", "timeout")
    with pytest.raises(httpx.ReadTimeout):
        await client.post("sendMessage", data={"chat_id": str(CHAT), "text": "lost"})
    assert emu.sent_messages() == []
    emu.fail_next("sendMessage", "timeout_after")
    with pytest.raises(httpx.ReadTimeout):
        await client.post("sendMessage", data={"chat_id": str(CHAT), "text": "delivered"})
    assert [m.text for m in emu.sent_messages()] == ["delivered"]  # the outcome was unknown


async def test_flood_limits_are_counted_and_optionally_enforced(clock: FakeClock) -> None:
    emu = BotApiEmulator(clock=clock)
    await send(emu, "1")
    await send(emu, "2")  # same chat, same second
    clock.advance(1.0)
    await send(emu, "3")
    assert [(v.kind, v.chat_id) for v in emu.rates.violations] == [("chat", CHAT)]
    for chat in range(1, 31):
        await api(emu, "sendMessage", chat_id=chat, text="burst")
    assert [v.kind for v in emu.rates.violations].count("global") == 1
    strict = BotApiEmulator(clock=clock, enforce_rate_limits=True)
    assert (await send(strict, "1"))["ok"]
    assert (await send(strict, "2"))["error_code"] == 429
    assert len(strict.sent_messages()) == 1


# ---- long polling -------------------------------------------------------------------------


async def test_get_updates_long_poll_wakes_on_push_and_honours_offset(emu: BotApiEmulator) -> None:
    loop = asyncio.get_running_loop()
    poll = asyncio.create_task(api(emu, "getUpdates", offset=0, timeout=30))
    await asyncio.sleep(0)
    started = loop.time()
    emu.push_text(CHAT, USER, "hi")
    body = await asyncio.wait_for(poll, 2)
    assert loop.time() - started < 1
    [update] = body["result"]
    assert update["message"]["text"] == "hi"
    # Not acknowledged yet: delivered again; acknowledged by offset: gone.
    assert (await api(emu, "getUpdates", timeout=0))["result"] == [update]
    assert (await api(emu, "getUpdates", offset=update["update_id"] + 1, timeout=0))["result"] == []
    assert emu.pending_updates == []


async def test_a_second_poller_ends_the_first_with_409(emu: BotApiEmulator) -> None:
    first = asyncio.create_task(api(emu, "getUpdates", timeout=30))
    await asyncio.sleep(0)
    second = asyncio.create_task(api(emu, "getUpdates", timeout=0.05))
    body = await asyncio.wait_for(first, 2)
    assert body["error_code"] == 409 and body["description"].startswith("Conflict: terminated")
    assert (await second)["result"] == []


async def test_delete_webhook_can_drop_pending_updates(emu: BotApiEmulator) -> None:
    emu.push_text(CHAT, USER, "old")
    assert (await api(emu, "deleteWebhook", drop_pending_updates=True))["result"] is True
    assert emu.pending_updates == []


# ---- transport decoding, subscribers, waiting ------------------------------------------------


async def test_transport_decodes_form_json_and_multipart(
    emu: BotApiEmulator, client: httpx.AsyncClient
) -> None:
    form = {"chat_id": str(CHAT), "text": "123", "reply_markup": json.dumps(keyboard("k"))}
    res = await client.post("sendMessage", data=form)
    assert res.status_code == 200 and res.json()["result"]["text"] == "123"
    res = await client.post("SENDMESSAGE", json={"chat_id": CHAT, "text": "json"})
    assert res.json()["ok"]
    photo = {"chat_id": str(CHAT), "caption": "<b>c</b>", "parse_mode": "HTML"}
    res = await client.post("sendPhoto", data=photo, files={"photo": ("p.png", PNG_1X1)})
    assert res.json()["result"]["caption"] == "c"
    texts = [(c.method, c.params.get("text")) for c in emu.calls]
    assert texts == [("sendMessage", "123"), ("sendMessage", "json"), ("sendPhoto", None)]
    assert emu.calls[0].params["reply_markup"] == keyboard("k")
    assert emu.calls[2].params["photo"]["filename"] == "p.png"
    assert emu.calls[2].params["photo"]["size"] == len(PNG_1X1)
    assert emu.sent_messages(CHAT)[-1].photo_size == (1, 1)
    bad = await client.post("sendPhoto", data=photo, files={"photo": ("p.png", b"\x89PNG")})
    assert bad.status_code == 400 and "IMAGE_PROCESS_FAILED" in bad.json()["description"]
    assert (await client.post("noSuchMethod")).status_code == 404


async def test_emulator_bug_is_a_500_and_the_token_is_never_logged(
    emu: BotApiEmulator, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    async def broken(params: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(emu, "handler_for", lambda method: (method, broken))
    with caplog.at_level(logging.DEBUG, logger="bot"):
        res = await client.post("getMe")
    assert res.status_code == 500
    assert caplog.records and all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_subscribers_see_sends_edits_and_answers(emu: BotApiEmulator) -> None:
    seen: list[str] = []

    async def async_cb(event: Any) -> None:
        seen.append(f"async:{event.method}")

    emu.on_send(lambda e: seen.append(f"{e.method}:{e.message.text if e.message else ''}"))
    stop = emu.on_send(async_cb)
    mid = (await send(emu, "one", reply_markup=keyboard("k")))["result"]["message_id"]
    stop()
    await api(emu, "editMessageText", chat_id=CHAT, message_id=mid, text="two")
    assert seen == ["sendMessage:one", "async:sendMessage", "editMessageText:two"]


async def test_wait_for_message_sees_only_new_matching_messages(emu: BotApiEmulator) -> None:
    await send(emu, "old")
    waiter = asyncio.create_task(emu.wait_for_message(CHAT, lambda m: "new" in m.text, timeout=2))
    await asyncio.sleep(0)
    await send(emu, "other")
    await send(emu, "brand new")
    assert (await waiter).text == "brand new"
    last = emu.last_message(CHAT)
    assert last is not None and last.text == "brand new"
    with pytest.raises(TimeoutError):
        await emu.wait_for_message(CHAT, timeout=0.05)


def test_api_error_body_shape() -> None:
    assert ApiError(400, "Bad Request: x").body() == {
        "ok": False, "error_code": 400, "description": "Bad Request: x",
    }  # fmt: skip


def test_one_emulator_outlives_an_event_loop() -> None:
    emu = BotApiEmulator()
    assert asyncio.run(api(emu, "getUpdates", timeout=0.01))["result"] == []
    emu.push_text(CHAT, USER, "still here")
    body = asyncio.run(api(emu, "getUpdates", timeout=1))
    assert [u["message"]["text"] for u in body["result"]] == ["still here"]
