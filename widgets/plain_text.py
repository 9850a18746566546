"""Showing untrusted evidence text safely.

Qt guesses "rich text" for labels, tooltips and message boxes: a pseudonym such as
``<img src="/dev/zero">`` would be parsed as HTML and can load local files or exhaust memory.
Every evidence string therefore reaches the screen through these helpers, which force plain
text and make invisible characters (bidi overrides, zero-width marks) visible, while the
original string is kept untouched for search and export.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

#: Invisible or direction-changing characters an adversary can hide in a name.
_INVISIBLE = {
    **{cp: f"U+{cp:04X}" for cp in range(0x202A, 0x202F)},  # LRE RLE PDF LRO RLO
    **{cp: f"U+{cp:04X}" for cp in range(0x2066, 0x206A)},  # LRI RLI FSI PDI
    0x200B: "ZWSP",
    0x200C: "ZWNJ",
    0x200D: "ZWJ",
    0x200E: "LRM",
    0x200F: "RLM",
    0x2060: "WJ",
    0xFEFF: "BOM",
    0x00AD: "SHY",
}
_MAX_SHOWN = 10_000


def visible(text: object, *, limit: int = _MAX_SHOWN) -> str:
    """Return ``text`` as a display string with hidden characters spelled out.

    ``None`` shows as an empty string; control characters other than newline and tab show as
    ``⟨U+XXXX⟩``; very long strings are cut with a marker (the full value stays in the case).
    """
    if text is None:
        return ""
    s = str(text)
    if len(s) > limit:
        s = s[:limit] + f" … [{len(s) - limit:,} more characters]"
    out: list[str] = []
    for ch in s:
        cp = ord(ch)
        name = _INVISIBLE.get(cp)
        if name is not None:
            out.append(f"⟨{name}⟩")
        elif (cp < 0x20 and ch not in "\n\t") or 0x7F <= cp < 0xA0:
            out.append(f"⟨U+{cp:04X}⟩")
        else:
            out.append(ch)
    return "".join(out)


def plain_label(text: object = "", parent: QWidget | None = None) -> QLabel:
    """A ``QLabel`` that can never interpret its text as HTML."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(visible(text))
    return label


def set_plain(label: QLabel, text: object) -> None:
    """Set evidence text on an existing label, forcing plain text first."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(visible(text))


def tooltip_text(text: object) -> str:
    """Tooltips are always rich-text-sniffed by Qt: escape and wrap so they show literally."""
    escaped = html.escape(visible(text, limit=2_000)).replace("\n", "<br>")
    return f"<span style='white-space:pre-wrap'>{escaped}</span>"
