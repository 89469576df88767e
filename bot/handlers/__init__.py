"""Telegram handlers: thin, parse → call a service → render. One folder per feature.

Shared at the top: access (the allow-list gate), context (Services, Ctx), parsing and
command_types (text → typed commands), fmt (number formatting, escaping), render (welcome, help,
status and error replies; a face for the feature renderers), keyboards (callback_data forms),
callbacks (the button router), errors, menu (the command menu, pure data), register (the
command table and its PTB wiring).
Features: `trading/`, `account/`, `alerts/`, `notices/`, `reports/`.
May import: bot.services, bot.domain, bot.timing, bot.errors, bot.config, telegram. Never storage.
"""
