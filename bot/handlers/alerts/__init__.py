"""Liquidation alerts: /alert /snooze /limits, alert cards, their buttons and settings text.

May import: the shared handler modules, handlers.trading (expiry lines of cards), bot.services,
bot.domain. Never storage.
"""
