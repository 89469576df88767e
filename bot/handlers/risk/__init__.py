"""/risk, /budget and /chart: the risk budget on one screen, its cap per symbol, pictures."""
