"""A font with Chinese glyphs for the charts of ``lang="zh"``, found among the installed fonts.

Nothing global is changed: the font is returned as a :class:`matplotlib.font_manager.
FontProperties` that the charts pass to each text they draw (matplotlib's ``rcParams`` and font
manager are left as they are).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.font_manager import FontProperties

__all__ = ["CJK_FAMILIES", "find_cjk_font"]

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
                "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
                "Noto Sans CJK JP", "Droid Sans Fallback")
"""Font families with simplified Chinese glyphs, the preferred first."""

_CJK_FILES = re.compile(r"(notosans.*cjk|notosanssc|sourcehansans|wqy-?(zen|micro)hei|simhei|"
                        r"msyh|pingfang|hiragino.*gb|stheiti|droidsansfallback)", re.IGNORECASE)
"""File names of those fonts, for a font installed after matplotlib cached its font list."""


def find_cjk_font() -> "FontProperties | None":
    """A font with Chinese glyphs, or None if none of :data:`CJK_FAMILIES` is installed.

    Looks first in matplotlib's font list (the regular weight's file), then (a font installed after matplotlib built its
    cache) among the system's font files by name; a file found that way is used by path, so
    matplotlib's font manager is not changed.
    """
    from matplotlib import font_manager

    installed = {f.name: f.fname for f in sorted(font_manager.fontManager.ttflist,
                                                 key=lambda f: abs(_weight(f.weight) - 400),
                                                 reverse=True)}
    for family in CJK_FAMILIES:
        if family in installed:  # by file: no weight matching (Zen Hei is 500, not 400)
            return font_manager.FontProperties(fname=installed[family])
    for path in sorted(font_manager.findSystemFonts()):
        if _CJK_FILES.search(os.path.basename(path)):
            return font_manager.FontProperties(fname=path)
    return None


def _weight(weight: int | str) -> int:
    """A font weight as a number (``"normal"`` → 400)."""
    from matplotlib.font_manager import weight_dict

    return weight if isinstance(weight, int) else weight_dict.get(weight, 400)
