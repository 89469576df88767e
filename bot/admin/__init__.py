"""The operator's commands besides run and demo: `margin-desk check` (check.py runs the
probes of check_probes.py and prints one line per finding) and `margin-desk backup` (backup.py).

May import: bot.config, bot.orderly, bot.timing, bot.errors, bot.logs, bot.wiring, storage.
"""
