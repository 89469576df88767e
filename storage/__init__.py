"""Margin Desk storage: SQLite schema, migrations and one module per table family."""
