"""PNG pictures (matplotlib, headless Agg): the mark path of a position and the risk budget.

`model` holds the frozen data a picture is drawn from, `draw` draws it (matplotlib is imported
there, lazily: it is slow to import), `renderer` runs drawing off the event loop.
"""
