"""The trader's reports: /pnl, /daily, /tz and the morning summary's text.

Owns their commands and rendering. May import: the shared handler modules, bot.services
(services.reports), bot.domain. Never storage.
"""
