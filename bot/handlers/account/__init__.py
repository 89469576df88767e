"""Account reads: /start /help /positions /position /balance /orders /status /history.

Owns their commands and rendering (positions, balance, history).
May import: the shared handler modules, handlers.alerts (/start tells the monitor about the chat),
bot.services, bot.domain. Never storage.
"""
