"""Exports of coded quotes: the choices (options), the quotes and their attribution (quotes), the Word
file (word), the spreadsheets (sheets) and the one entry point that makes a file (build)."""
