"""The trader's reports: PnL over a window in the chat's time zone (the exchange's trade and
funding-fee history, positions now), each chat's clock (/tz) and the morning summaries (/daily).

May import: bot.domain, bot.orderly, bot.timing, bot.errors, storage, and services.trading
(positions, the market directory). Never bot.handlers or the composition root.
"""
