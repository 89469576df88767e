"""Telegram front end: command table, thin handlers, pure parsing, rendering and keyboards."""
