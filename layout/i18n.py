"""Labels in Chinese and English for everything shown to people.

Example
-------
>>> label("villages", "zh"), label("villages", "en")
('村庄', 'villages')
>>> label("no_such_key", "en")
'no_such_key'
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import yaml

__all__ = ["label", "LANGS", "display_width", "pad"]

LANGS = ("zh", "en")


@cache
def _labels() -> dict[str, dict[str, str]]:
    return yaml.safe_load(Path(__file__).with_name("labels.yaml").read_text(encoding="utf-8"))


def label(key: str, lang: str = "zh") -> str:
    """The label for ``key`` in ``lang`` (``zh`` or ``en``); the key itself when unknown."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    entry = _labels().get(key)
    return entry[lang] if entry else key


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def pad(text: object, width: int, right: bool = False) -> str:
    """Pad to ``width`` terminal columns, CJK-aware."""
    s = str(text)
    fill = " " * max(0, width - display_width(s))
    return fill + s if right else s + fill
