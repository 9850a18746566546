"""Vocabulary values as people read them: ``account_created`` is shown "account created".

The case stores vocabulary values (event kinds, exhibit kinds…) as identifiers; every view
shows them through :func:`vocab_label`, so the timeline's lanes, its legend, the table, the
filter bar and the case overview say the same thing, and a translated interface has one
place to change. Tooltips and copies keep the stored value.
"""

from __future__ import annotations


def vocab_label(value: str) -> str:
    """``value`` with underscores read as spaces (the stored value is otherwise unchanged)."""
    return value.replace("_", " ")
