"""Text from input files made safe to show: no terminal escape sequences, no control characters, no bidi
overrides.

A village named ``"\\x1b]8;;http://x\\x07甲村"`` would otherwise print a hidden link in a terminal, and one holding
U+202E (RIGHT-TO-LEFT OVERRIDE) would show ``S12`` as ``21S`` in a table or a report. :func:`clean_text` removes
ESC/CSI/OSC sequences whole, every other C0/C1 control character (tabs and line breaks become spaces) and the
bidi embedding, override and isolate characters U+202A–U+202E, U+2066–U+2069 (and the marks U+200E, U+200F,
U+061C). Readers apply it to every text cell and YAML string, so what reaches a terminal, an HTML page or a
spreadsheet is already clean.

Example
-------
>>> clean_text("\\x1b[31m甲村\\x1b[0m")
'甲村'
>>> clean_text("S\\u202e21")
'S21'
>>> clean_text("a\\tb\\nc")
'a b c'
"""

from __future__ import annotations

import re

__all__ = ["clean_text", "UNSAFE_TEXT"]

_ESCAPES = r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]"
_CONTROLS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_BIDI = r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]"
UNSAFE_TEXT = re.compile(f"{_ESCAPES}|{_CONTROLS}|{_BIDI}")
_BREAKS = re.compile(r"[\t\n\r\v\f\u2028\u2029\x85]")


def clean_text(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without escape sequences, control characters and bidi overrides.

    Parameters
    ----------
    text : str
    keep_newlines : bool
        Keep line breaks (for multi-line messages); by default tabs and line breaks become spaces.

    Returns
    -------
    str
    """
    if not isinstance(text, str):
        return text
    if keep_newlines:
        return "\n".join(_BREAKS.sub(" ", UNSAFE_TEXT.sub("", line)) for line in text.split("\n"))
    return UNSAFE_TEXT.sub("", _BREAKS.sub(" ", text))
