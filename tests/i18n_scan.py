"""What a person reads in each output, and the words that must not be there.

* :func:`visible_text` — the text of an HTML page a reader sees: text nodes (SVG ``<text>`` included), titles, the
  embedded map of a report (``srcdoc``), and the strings the map's own scripts hand Leaflet (popups, tooltips,
  layer names, the legend). The libraries inlined into a map (Leaflet) and script code are not text.
* :func:`xlsx_text` — every sheet name and text cell of a workbook.
* :func:`codes_found` — untranslated codes (statuses, bands, violation codes, cost lines, modes, goals, "status
  quo", "[hard]" …) in a Chinese text, each a whole word.
* :func:`chinese_outside_names` — Chinese in an English text once the names (villages, schools, townships, the
  county, plans) are taken out.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

_INLINED = re.compile(r"<(script|style)\s+data-layout-inlined[^>]*>.*?</\1>", re.S | re.I)
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', re.S)
_OPTION = re.compile(r'"?(type|className|fillRule|lineCap|lineJoin|position|dashArray|color|fillColor)"?\s*:\s*$'
                     r'|\.(on|off|once|addEventListener|removeEventListener|getElementById|querySelector|'
                     r'querySelectorAll|setAttribute|getAttribute|hasAttribute)\(\s*$')
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.frames: list[str] = []
        self._in: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._in, self._buf = tag, []
        for k, v in attrs:
            if k == "srcdoc" and v:
                self.frames.append(v)
            elif k in ("title", "alt", "aria-label", "placeholder") and v:
                self.text.append(v)

    def handle_endtag(self, tag):
        if tag == self._in:
            if tag == "script":
                self.scripts.append("".join(self._buf))
            self._in = None

    def handle_data(self, data):
        (self._buf if self._in else self.text).append(data)


def visible_text(page: str) -> str:
    """The text a reader of ``page`` sees, one piece a line."""
    p = _Page()
    p.feed(_INLINED.sub("", page))
    p.close()
    parts = list(p.text)
    for script in p.scripts:
        for m in _TOKEN.finditer(script):
            tok = m.group(0)
            if not tok.startswith('"') or re.match(r"\s*:", script[m.end():m.end() + 3]):
                continue      # a comment, or an object's key
            if _OPTION.search(script[max(0, m.start() - 24):m.start()]):
                continue      # a style option of Leaflet (colours, class names)
            try:
                lit = json.loads(tok)
            except ValueError:
                continue
            if isinstance(lit, str):
                parts.append(visible_text(lit) if "<" in lit else lit)
    parts += [visible_text(f) for f in p.frames]
    return "\n".join(x.strip() for x in parts if x and x.strip())


def xlsx_text(path: str | Path) -> str:
    """Sheet names and every text cell of a workbook."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    out = []
    for ws in wb.worksheets:
        out.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            out += [v for v in row if isinstance(v, str)]
    return "\n".join(out)


def code_words() -> set[str]:
    """Every code a Chinese reader must never see raw: the catalogue's code namespaces, the violation codes, the
    standards' class bands and manual checks, the solver and plan words."""
    from layout.evaluate.violations import CODES, SEVERITIES, STATUSES
    from layout.i18n import catalogue
    from layout.plan.actions import ACTION_TYPES
    from layout.recommend.goals import GOALS
    from layout.schema import BANDS, KINDS
    from layout.standards import load_standards

    std = load_standards()
    words = {*CODES, *SEVERITIES, *STATUSES, *BANDS, *KINDS, *GOALS, *ACTION_TYPES}
    words |= {b["name"] for b in std.get("class_size.bands")}
    words |= {c["id"] for c in std.get("manual_checks")}
    for key in catalogue():
        ns, _, code = key.partition(".")
        if ns in ("status", "class_band", "cost", "capital", "mode", "goal", "rank_goal", "action", "severity",
                  "violation", "unserved_reason", "move_reason", "move_how", "bus_unserved", "kind", "band",
                  "stage", "cost_kind", "solver_status", "target", "indicator") and code:
            words.add(code)
    words |= {"open", "closed", "walk", "bus", "board", "boarding", "normal", "large", "oversized",
              "super_oversized", "staffing", "per_student_funds", "fixed_sites", "recommended", "existing", "new",
              "hard", "soft", "confirm", "keep", "total", "yuan", "pupils", "children", "schools", "min",
              "true", "false", "True", "False", "None", "nan", "NaN"}
    return {w for w in words if w and w.isascii()}


PHRASES = ("status quo", "[hard]", "[soft]", "[new]", "[existing]", "to confirm", "per-link estimate")


def codes_found(text: str, words: set[str] | None = None) -> dict[str, int]:
    """Untranslated codes in ``text``: ``{word: count}`` (whole words; ids such as ``S012`` never match)."""
    words = code_words() if words is None else words
    found: dict[str, int] = {}
    for w in re.findall(r"(?<![A-Za-z0-9_\-.])[A-Za-z][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_][A-Za-z0-9_\-]*)*", text):
        if w in words:
            found[w] = found.get(w, 0) + 1
    for p in PHRASES:
        n = text.count(p)
        if n:
            found[p] = found.get(p, 0) + n
    return found


def chinese_outside_names(text: str, names) -> dict[str, int]:
    """Runs of Chinese characters left in ``text`` once every name in ``names`` is taken out: ``{run: count}``."""
    for name in sorted({str(n) for n in names if n and str(n).strip()}, key=len, reverse=True):
        text = text.replace(name, " ")
    found: dict[str, int] = {}
    for run in CJK.findall(text):
        run = run.strip("\u3000")
        if run:
            found[run] = found.get(run, 0) + 1
    return found
