"""Monitoring: the liquidation monitor, its alerts and fill watching.

Owns: Monitor (streams → observations → alert events), feed health, the liq book, the watch set
and watch index, alert events and their grouping, the alert state codec and the state saver
(state_saver.py: alert states written off the event loop), alert settings and top-up offers
(alerts.py, alert_views.py), the FillWatcher (fill_watcher.py).
May import: bot.domain, bot.orderly, bot.timing, bot.errors, storage, services.trading (top-ups).
"""
