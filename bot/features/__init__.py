"""Feature wiring (part of the composition root): installs a feature's service, commands
and buttons into the runtime and turns its service's batches into messages.

- alerts.py        the monitor's event batches → grouped, prioritised alert messages
- fill_notices.py  the FillWatcher's batches → one notice message per chat
- pnl.py           the PnlService (/pnl, /daily, /tz) and the morning summaries → the notifier

May import everything in bot (handlers, services, storage); only bot.app imports it.
"""
