"""Delivery: the one outbound send path to Telegram.

Owns: Notifier (priorities, pacing, retries), the outbox, HTML splitting, Bot API request shapes.
May import: telegram (the one send path), bot.timing, bot.errors. Nothing of the other
subsystems, no storage.
"""
