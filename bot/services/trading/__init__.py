"""Trading: read the exchange, quote, approve and settle money-moving actions.

Owns: TradingService (orders.py: positions, balance, orders, place/cancel), the confirmation
cards' figures (order_quotes.py), margin and leverage
changes, the market directory, default margin modes, approvals (the one-tap card lifecycle),
settlement of in-doubt actions and their reports.
May import: bot.domain, bot.orderly, bot.timing, bot.errors, storage, services.delivery.
"""
