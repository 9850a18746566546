"""Files Filature ships beside its code (fonts and their licences), found without Qt.

A leaf of the layers: it imports nothing from ``app``, ``widgets`` or ``storage`` and no Qt, so
``storage`` and a future importer CLI can use it too. ``resources/README.md`` names the source,
version and licence of every file here. The family names are those written in the font files'
``name`` tables: Qt matches on them, so they change only together with the files.
"""

from __future__ import annotations

from pathlib import Path

#: The folder of this package: a plain directory in a checkout, a wheel or a frozen build.
_ROOT = Path(__file__).resolve().parent

#: Every view's text (``DejaVuSans.ttf``, ``DejaVuSans-Bold.ttf``).
SANS_FAMILY = "DejaVu Sans"
#: Hashes, ids and other strings compared character by character (``DejaVuSansMono*.ttf``).
MONO_FAMILY = "DejaVu Sans Mono"
#: The fallback for emoji in evidence, in colour (``NotoColorEmoji.ttf``, CBDT bitmaps).
EMOJI_FAMILY = "Noto Color Emoji"


def resource_path(name: str) -> Path:
    """The path of a bundled file, ``name`` relative to this package (``"fonts/x.ttf"``).

    Raises ``ValueError`` for a name that leaves the package (absolute, or with ``..``), so a
    caller can never be steered to an arbitrary file. The file need not exist.
    """
    path = (_ROOT / name).resolve()
    if not path.is_relative_to(_ROOT) or path == _ROOT:
        raise ValueError(f"not a bundled resource: {name!r}")
    return path


def font_paths() -> list[Path]:
    """Every bundled font file (``fonts/*.ttf``), sorted by name so loading is deterministic."""
    return sorted((_ROOT / "fonts").glob("*.ttf"))


BADGE_KINDS = ("social", "messaging", "forum", "market", "carrier", "bank", "crypto", "other")
"""Platform kinds with a badge in ``badges/``: drawn for Filature (no platform's logo)."""


def badge_path(platform_kind: str) -> Path:
    """The badge of a platform kind (``badges/<kind>.svg``); unknown kinds get ``other``."""
    kind = platform_kind if platform_kind in BADGE_KINDS else "other"
    return _ROOT / "badges" / f"{kind}.svg"
