"""EGISZ's home page."""
