"""Review of the coded material: the theme × county matrix, quote collections with summaries and key
quotes, co-occurrence and charts. Built on the coding core, which never imports it."""
