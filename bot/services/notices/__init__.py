"""Notices a chat gets on its own (not replies): which kinds it switched off and its quiet
hours (/notify), and the route each notice takes — sent or not, ringing or silent.

May import: bot.domain, storage, bot.timing.
"""
