"""A legend drawn as a Leaflet control from plain HTML/CSS (no external icons)."""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template

from layout.maps.safe import esc, js_string

__all__ = ["Legend", "swatch_circle", "swatch_line", "swatch_area"]


def swatch_circle(colour: str, size: int = 12) -> str:
    return (
        f"<span style='display:inline-block;width:{size}px;height:{size}px;border-radius:50%;"
        f"background:{colour};border:1px solid #333;vertical-align:middle'></span>"
    )


def swatch_line(colour: str, dash: str | None = None, width: int = 3) -> str:
    style = "dashed" if dash == "dash" else "dotted" if dash == "dot" else "solid"
    return (
        f"<span style='display:inline-block;width:22px;height:0;border-top:{width}px {style} {colour};"
        f"vertical-align:middle'></span>"
    )


def swatch_area(colour: str, border: str = "#555") -> str:
    return (
        f"<span style='display:inline-block;width:16px;height:11px;background:{colour};opacity:.6;"
        f"border:1px solid {border};vertical-align:middle'></span>"
    )


class Legend(MacroElement):
    """Legend control: ``sections`` is a list of (title, [(swatch_html, label), ...]); labels are escaped here,
    swatches are trusted HTML built by this module."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
          .leaflet-container {background: #f7f6f2;}
          .layout-legend {background: rgba(255,255,255,.92); padding: 6px 9px; border-radius: 5px;
            box-shadow: 0 1px 4px rgba(0,0,0,.35); font: 12px/1.45 "Noto Sans CJK SC", "Microsoft YaHei",
            "PingFang SC", sans-serif; max-height: 70vh; overflow-y: auto;}
          .layout-legend h4 {margin: 4px 0 2px; font-size: 12.5px;}
          .layout-legend .row {white-space: nowrap;}
          .layout-legend .row span {margin-right: 5px;}
          table.layout-popup {border-collapse: collapse; font-size: 12px;}
          table.layout-popup td, table.layout-popup th {border-bottom: 1px solid #eee; padding: 1px 4px;}
          .layout-title {background: rgba(255,255,255,.92); padding: 4px 10px; border-radius: 5px;
            font: bold 15px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
          var legend = L.control({position: "bottomright"});
          legend.onAdd = function () {
            var div = L.DomUtil.create("div", "layout-legend");
            div.innerHTML = {{ this.js }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
          {% if this.title_js %}
          var title = L.control({position: "topleft"});
          title.onAdd = function () {
            var div = L.DomUtil.create("div", "layout-title");
            div.innerHTML = {{ this.title_js }};
            return div;
          };
          title.addTo({{ this._parent.get_name() }});
          {% endif %}
        })();
        {% endmacro %}
    """)

    def __init__(
        self, heading: str, sections: list[tuple[str, list[tuple[str, str]]]], title: str | None = None
    ):
        super().__init__()
        self._name = "LayoutLegend"
        parts = [f"<b>{esc(heading)}</b>"]
        for name, rows in sections:
            if not rows:
                continue
            parts.append(f"<h4>{esc(name)}</h4>")
            parts += [f"<div class='row'>{sw}<span>{esc(text)}</span></div>" for sw, text in rows]
        self.html = "".join(parts)
        self.js = js_string(self.html)
        self.title_js = js_string(esc(title)) if title else ""
