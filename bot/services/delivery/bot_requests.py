"""The Bot API request for one part of an outbound item, and reading a 429's retry_after."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from telegram import InputFile, LinkPreviewOptions
from telegram.error import RetryAfter

from bot.services.delivery.outbox import OutItem
from bot.services.delivery.splitting import html_to_plain

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def send_part(bot: Any, item: OutItem, index: int) -> int:
    """Send (or, for the first part of an edit, edit in place) chunk `index`; its message id.
    An item with a photo sends it (multipart upload) with chunk 0 as the caption."""
    text = html_to_plain(item.chunks[index]) if item.plain else item.chunks[index]
    parse_mode = None if item.plain else "HTML"
    markup = item.keyboard if index == len(item.chunks) - 1 else None
    if index == 0 and item.edit_message_id is not None:
        await bot.edit_message_text(
            text=text, chat_id=item.chat_id, message_id=item.edit_message_id,
            parse_mode=parse_mode, reply_markup=markup, link_preview_options=_NO_PREVIEW,
        )  # fmt: skip
        return item.edit_message_id
    if index == 0 and item.photo is not None:  # the picture, the first chunk as its caption
        message = await bot.send_photo(
            chat_id=item.chat_id, photo=InputFile(item.photo, filename=item.photo_name),
            caption=text, parse_mode=parse_mode, reply_markup=markup,
            disable_notification=item.disable_notification,
        )  # fmt: skip
        return int(message.message_id)
    message = await bot.send_message(
        chat_id=item.chat_id, text=text, parse_mode=parse_mode, reply_markup=markup,
        disable_notification=item.disable_notification or index > 0,  # buzz once per item
        link_preview_options=_NO_PREVIEW,
    )  # fmt: skip
    return int(message.message_id)


def retry_after_seconds(exc: RetryAfter) -> float:
    """retry_after in seconds, whether PTB gives an int or a timedelta."""
    with warnings.catch_warnings():  # PTB 22 warns that the int form is deprecated
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)
