"""Interoperability: our vectors checked with code we did not write (STYLE.md item 8)."""
