"""`python -m bot` is `margin-desk`."""

from bot.cli import main

raise SystemExit(main())
