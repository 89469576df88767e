"""Use cases, free of Telegram, one package per subsystem.

- `trading/`   quotes, approvals (one-tap cards), placing/settling orders and margin changes,
               leverage, markets, default margin modes.
- `monitor/`   the liquidation monitor (private/public streams, feed health, liq book, watch
               set and index), alert events, alert settings and top-up offers, fill watching.
- `delivery/`  the one outbound send path: notifier, outbox, message splitting, Bot API calls.
- `desk/`      the desk as a whole: /status, the refusal gate for unknown senders.
- `reports/`   PnL over a window in the chat's time zone, the chat's clock, the daily summary.

A subsystem may import bot.domain, bot.orderly, bot.timing, bot.errors, bot.config, storage,
and another subsystem's public classes (trading → delivery for reports; monitor → trading for
top-ups). Never bot.handlers or the composition root (bot.app, bot.features); only delivery
speaks Telegram. tests/test_architecture.py enforces these arrows.
"""
