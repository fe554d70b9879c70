"""Escaping for everything a map or report shows from input files, and popup/tooltip elements that never
interpret text as code.

Names and values from county files can contain anything (``<img src=x onerror=alert(1)>``). :func:`esc` turns
them into HTML text; :class:`Popup` and :class:`Tooltip` hand Leaflet the (already escaped) HTML as a JSON string
literal, so neither a quote, a backtick, ``${`` nor ``</script>`` in the data can break out of the script.

Example
-------
>>> esc("<img src=x onerror=alert(1)>")
'&lt;img src=x onerror=alert(1)&gt;'
>>> esc(float("nan"))
'–'
"""

from __future__ import annotations

import html
import json
import math
from numbers import Number

from branca.element import MacroElement
from jinja2 import Template

__all__ = ["esc", "fmt", "html_table", "Popup", "Tooltip", "js_string"]


def fmt(value: object, digits: int = 1) -> str:
    """A value as short display text: integers without decimals, floats rounded, missing values as ``–``."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, Number):
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            return "–"
        if float(f).is_integer() and abs(f) < 1e15:
            return f"{int(f):,}"
        return f"{f:,.{digits}f}"
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return "–"
    except ImportError:  # pragma: no cover
        pass
    return str(value)


def esc(value: object, digits: int = 1) -> str:
    """Display text of ``value``, HTML-escaped (``& < > " '`` and the backtick)."""
    return html.escape(fmt(value, digits), quote=True).replace("`", "&#96;")


def js_string(text: str) -> str:
    """A JavaScript string literal of ``text`` that is safe inside an HTML ``<script>``.

    Braces are written as ``\\u007b``/``\\u007d`` too: folium passes every element's rendered script through
    Jinja again, and ``{{ … }}`` or ``{% … %}`` from a name in the data must never be read as a template.
    """
    return (
        json.dumps(text, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("{", "\\u007b")
        .replace("}", "\\u007d")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def html_table(rows: list[tuple[str, object]], title: str | None = None) -> str:
    """A two-column table (label, value), every cell escaped; ``title`` above it."""
    head = f"<b>{esc(title)}</b>" if title is not None else ""
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:8px'>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in rows
    )
    return f"{head}<table class='layout-popup'>{body}</table>"


class Popup(MacroElement):
    """A popup bound to its parent layer; ``html`` must already be escaped (build it with :func:`esc`)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.js }}, {maxWidth: {{ this.max_width }}});
        {% endmacro %}
    """)

    def __init__(self, html_text: str, max_width: int = 420):
        super().__init__()
        self._name = "LayoutPopup"
        self.js = js_string(html_text)
        self.max_width = int(max_width)


class Tooltip(MacroElement):
    """A hover tooltip bound to its parent layer, showing ``text`` as plain text (escaped here)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip({{ this.js }}, {sticky: true});
        {% endmacro %}
    """)

    def __init__(self, text: object):
        super().__init__()
        self._name = "LayoutTooltip"
        self.js = js_string(esc(text))
