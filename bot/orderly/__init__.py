"""Orderly Network: signing, wire models, REST client and WebSocket streams."""
