"""The risk budget (/risk, /budget and its cap on top-ups) and the pictures (/chart)."""
