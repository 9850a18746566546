"""The user's own notes, tags and bookmarks.

A separate SQLite store in the user's data folder, keyed by the case's SHA-256; never the
case itself.
"""
