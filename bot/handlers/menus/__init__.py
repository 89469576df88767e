"""/menu: the everyday screens as buttons (keyboards.py: the entries and keyboards, pure;
screens.py: a button turns the menu message into a screen). register.py owns the command table,
so it hands that table to these functions: nothing here imports register.py."""
