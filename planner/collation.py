"""Names in Norwegian alphabetical order, the same whatever the database's collation.

SQLite sorts by code point and PostgreSQL by its locale, so lists that must read alike on both
(counties, plans, watched names) are sorted in Python with this key.
"""

import unicodedata

# After «z» in code-point order: «{», «|», «}».
_LAST_LETTERS = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"})


def name_key(name):
    """Æ, Ø, Å after Z; Sámi «Á» and «Č» with A and C; case and accents decide only ties."""
    folded = unicodedata.normalize("NFD", name.casefold().translate(_LAST_LETTERS))
    return "".join(c for c in folded if not unicodedata.combining(c)), name
