"""The desk as a whole: /status and the refusal gate for senders who are not allowed.

May import: bot.domain, bot.orderly, bot.config, bot.timing, bot.errors.
"""
