"""The case format and its safe opening.

Schema, vocabulary, writer, read-only opener, integrity checks, the full-text index and its
summary, and the rules every reader shares (times, text as stored). Knows nothing of the
other storage packages.
"""
