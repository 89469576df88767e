"""Process runtime pieces under the composition root (bot.app, bot.config): the heartbeat
behind `health`, the long-poll watch, the per-chat update lanes, the crash-test checkpoints.

Leaves: they import nothing of bot (the standard library, telegram's request layer for the poll
watch), so bot.config may use them (checkpoint steps) without a loop.
"""
