"""The one catalogue of words shown to people (CLI, maps, report, workbook, charts, summaries, reasons), in
Chinese and English, and the functions that look them up.

The catalogue is ``layout/labels.yaml``: one entry per key, both languages side by side, grouped in namespaces
(``band.g1_3``, ``status.closed``, ``violation.unserved``, ``reason.merge``, ``explore.*`` …). Codes a program
uses (statuses, bands, cost lines, violation codes, goals) are the keys, so a code is shown by looking it up
where it is printed. Sentences are templates with named fields (``{n}``, ``{school}``); the numbers are filled
in by the module that computed them. Chinese (``zh``) is the default language everywhere.

Example
-------
>>> t("status.closed"), t("status.closed", "en")
('撤并', 'closed')
>>> t("reason.pupils_now", "zh", n=42)
'现有学生42人'
>>> term("class_band", "oversized"), term("class_band", "no_such_band", "en")
('大班额', 'no_such_band')
>>> pair("mode_phrase.bus")
('ride the school bus', '乘校车')
>>> label("villages", "zh"), label("no_such_key", "en")
('村庄', 'no_such_key')
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

__all__ = ["t", "term", "pair", "label", "has", "catalogue", "check_lang", "Phrase", "Note", "localise", "plan_title",
           "LANGS", "DEFAULT_LANG", "display_width", "pad"]

LANGS = ("zh", "en")
#: The language of every function, command and output that is not told otherwise.
DEFAULT_LANG = "zh"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every entry of ``labels.yaml`` as ``{"namespace.key": {"zh": ..., "en": ...}}``."""
    raw = yaml.safe_load(Path(__file__).with_name("labels.yaml").read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}

    def walk(node: Mapping, prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, Mapping) and set(value) == set(LANGS):
                out[name] = {lang: str(value[lang]) for lang in LANGS}
            elif isinstance(value, Mapping):
                walk(value, f"{name}.")
            else:
                raise ValueError(f"labels.yaml: {name} must give zh and en, or be a group of entries")

    walk(raw, "")
    return out


def check_lang(lang: str) -> str:
    """``lang`` when it is ``zh`` or ``en``, else a ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def has(key: str) -> bool:
    """Whether the catalogue has ``key``."""
    return key in catalogue()


class Phrase:
    """A catalogue entry with its fields, rendered in whatever language the sentence around it is rendered in.

    Example
    -------
    >>> t("reason.no_place", "zh", band=Phrase("band.g4_6"), n=3)
    '4-6年级3人无学位'
    """

    __slots__ = ("key", "fields")

    def __init__(self, key: str, **fields: object) -> None:
        self.key, self.fields = key, fields

    def render(self, lang: str) -> str:
        return t(self.key, lang, **self.fields)

    def __repr__(self) -> str:
        return f"Phrase({self.key!r})"


def _fill(fields: Mapping[str, object], lang: str) -> dict[str, object]:
    """Fields in ``lang``: a :class:`Phrase` or :class:`Note` rendered, a ``{"zh": ..., "en": ...}`` value picked."""
    out = {}
    for k, v in fields.items():
        if isinstance(v, (Phrase, Note)):
            v = v.render(lang)
        elif isinstance(v, Mapping) and set(v) == set(LANGS):
            v = v[lang]
        out[k] = v
    return out


def t(key: str, lang: str = DEFAULT_LANG, /, **fields: object) -> str:
    """The text of ``key`` in ``lang``, its ``{fields}`` filled in (a :class:`Phrase` field is rendered in the same
    language, a ``{"zh": ..., "en": ...}`` field gives its ``lang`` text). An unknown key is a KeyError: a typo never reaches a report as a raw code."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"no label {key!r} in layout/labels.yaml")
    text = entry[check_lang(lang)]
    return text.format_map(_fill(fields, lang)) if fields else text


def term(namespace: str, code: object, lang: str = DEFAULT_LANG) -> str:
    """The label of a code (``term("status", "closed")``); the code itself when the catalogue does not know it
    (a province's own class band or check id, say)."""
    key = f"{namespace}.{code}"
    return t(key, lang) if key in catalogue() else str(code)


def pair(key: str, /, **fields: object) -> tuple[str, str]:
    """``(English, Chinese)`` of one entry, the pair most data tables of the library carry (``message_en``,
    ``message_zh``)."""
    return t(key, "en", **fields), t(key, "zh", **fields)


def label(key: str, lang: str = DEFAULT_LANG) -> str:
    """The label of a top-level key (the county summary's words); the key itself when unknown."""
    entry = catalogue().get(key)
    return entry[check_lang(lang)] if entry else key


# Plan names and descriptions the library itself gives (a planner's own stay as written)
_PLAN_WORDS = ("status quo", "recommended", "today", "recommendation", "status_quo_kept")


def plan_title(text: object, lang: str = DEFAULT_LANG) -> str:
    """A plan's name or description for display: the library's own (``status quo``, ``recommended``, "today's
    layout", …) in ``lang``, any other as written.

    Example
    -------
    >>> plan_title("status quo"), plan_title("recommended", "en"), plan_title("河口乡撤并方案", "en")
    ('现状', 'recommended', '河口乡撤并方案')
    """
    s = "" if text is None else str(text)
    for key in _PLAN_WORDS:
        entry = f"plan.{key}"
        if s == key or s in (t(entry, "en"), t(entry, "zh")):
            return t(entry, lang)
    return s


class Note(str):
    """A note in English (it *is* that string, so stored notes, JSON and tests keep working) that also knows its
    catalogue key and fields, so a Chinese page shows it in Chinese (:func:`localise`).

    Example
    -------
    >>> n = Note("note.teachers_unknown", n=2)
    >>> str(n), localise(n, "zh")
    ('2 school(s) without teacher data are taken as staffed to the norm today', '2所学校无教师数据,按现状满编计')
    """

    key: str
    fields: dict

    def __new__(cls, key: str, /, **fields: object) -> Note:
        obj = super().__new__(cls, t(key, "en", **fields))
        obj.key, obj.fields = key, dict(fields)
        return obj

    def __reduce__(self):
        return (_note, (self.key, self.fields))

    def render(self, lang: str) -> str:
        return t(self.key, lang, **self.fields)


def _note(key: str, fields: dict) -> Note:
    return Note(key, **fields)


def localise(text: object, lang: str = DEFAULT_LANG) -> str:
    """A note in ``lang``: a :class:`Note` rendered from the catalogue; any other text (a planner's own note from
    county.yaml, say) as it is."""
    return text.render(lang) if isinstance(text, Note) else str(text)


def fields_of(text: str) -> set[str]:
    """The named fields of a template (``{n}``, ``{school}``), for checking both languages ask for the same."""
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def pad(text: object, width: int, right: bool = False) -> str:
    """Pad to ``width`` terminal columns, CJK-aware."""
    s = str(text)
    fill = " " * max(0, width - display_width(s))
    return fill + s if right else s + fill
