"""Many circle markers, school markers or lines drawn by one script from a data array.

folium renders every element through Jinja twice (its template, then the rendered script again), which costs
milliseconds per marker: a county with hundreds of villages and thousands of assignment lines took seconds.
A :class:`BatchLayer` adds them all from one array instead. Every string in the array is escaped text
(:func:`layout.maps.safe.esc`) inside a JSON literal with ``< > & { }`` written as ``\\u`` escapes, so neither
HTML, a closing ``</script>`` nor Jinja syntax from the data can take effect.
"""

from __future__ import annotations

import json

from branca.element import MacroElement
from jinja2 import Template

__all__ = ["BatchLayer"]


def _safe_json(obj: object) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("{", "\\u007b")
        .replace("}", "\\u007d")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class BatchLayer(MacroElement):
    """Circle markers (``kind="circle"``), polylines (``kind="line"``) or inline-SVG markers (``kind="marker"``)
    added to the parent feature group.

    Parameters
    ----------
    kind : {"circle", "line", "marker"}
    rows : list of list
        circle: ``[lat, lon, radius, fill colour, stroke colour, weight, fill opacity, dash, tooltip, popup]``;
        line: ``[[lat, lon], [lat, lon], colour, weight, opacity, dash, tooltip]``;
        marker: ``[lat, lon, icon html (trusted, built by this package), icon size px, tooltip, popup]``. Tooltips/popups are already
        escaped HTML ("" for none); dash is a dash-array string or "".
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
          var group = {{ this._parent.get_name() }};
          var rows = {{ this.data }};
          for (var i = 0; i < rows.length; i++) {
            var r = rows[i], layer;
            if ({{ this.is_marker }}) {
              layer = L.marker([r[0], r[1]], {icon: L.divIcon({html: r[2], className: "layout-school",
                iconSize: [r[3], r[3]], iconAnchor: [r[3] / 2, r[3] / 2]})});
              if (r[5]) layer.bindPopup(r[5], {maxWidth: 420});
              if (r[4]) layer.bindTooltip(r[4], {sticky: true});
            } else if ({{ this.is_circle }}) {
              layer = L.circleMarker([r[0], r[1]], {radius: r[2], fillColor: r[3], color: r[4], weight: r[5],
                fill: r[6] > 0, fillOpacity: r[6], dashArray: r[7] || null});
              if (r[9]) layer.bindPopup(r[9], {maxWidth: 420});
              if (r[8]) layer.bindTooltip(r[8], {sticky: true});
            } else {
              layer = L.polyline([r[0], r[1]], {color: r[2], weight: r[3], opacity: r[4], dashArray: r[5] || null});
              if (r[6]) layer.bindTooltip(r[6], {sticky: true});
            }
            layer.addTo(group);
          }
        })();
        {% endmacro %}
    """)

    def __init__(self, kind: str, rows: list[list]):
        super().__init__()
        if kind not in ("circle", "line", "marker"):
            raise ValueError(f"unknown batch kind {kind!r}")
        self._name = "LayoutBatch"
        self.kind = kind
        self.is_circle = "true" if kind == "circle" else "false"
        self.is_marker = "true" if kind == "marker" else "false"
        self.rows = rows
        self.data = _safe_json(rows)
