"""The embedded paper exchange: a pure engine behind a thin server that speaks Orderly API."""
