"""Fill and order notices: /notify and the notice messages.

May import: the shared handler modules, bot.services, bot.domain. Never storage.
"""
