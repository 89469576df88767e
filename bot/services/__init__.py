"""Business layer shared by every front end: commands, buttons, the monitor and the demo."""
