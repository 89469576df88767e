"""Trading commands and cards: /buy /sell /close /cancel /margin /leverage /mode.

Owns their commands, approval cards, press outcomes and rendering.
May import: the shared handler modules, bot.services, bot.domain. Never storage.
"""
