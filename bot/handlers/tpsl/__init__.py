"""TP/SL and stop orders: /tp, /sl, /tpsl, /stop and /cancel algo, their approval cards, their
/orders lines and the notice when one fires.

May import: the shared handler modules, bot.services, bot.domain. Never storage.
"""
