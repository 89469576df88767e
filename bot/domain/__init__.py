"""Pure domain logic: models, margin maths, order rules, alert policy. No I/O, no Telegram."""
