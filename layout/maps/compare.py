"""Two maps side by side with their views kept in step (e.g. status quo vs proposal), in one offline file.

Each map is a complete offline document placed in an ``<iframe srcdoc>``; a small script in the page keeps the
two Leaflet views synchronised (pan and zoom either one). ``srcdoc`` frames share the page's origin, so this
works from ``file://`` with no server and no network.
"""

from __future__ import annotations

import html
from pathlib import Path

import folium

from layout.maps.offline import render_offline
from layout.maps.safe import esc, js_string

__all__ = ["compare_maps", "compare_html", "save_compare", "Comparison"]


class Comparison:
    """Two folium maps shown side by side; render with :meth:`to_html`, save with :meth:`save`."""

    def __init__(
        self,
        left: folium.Map,
        right: folium.Map,
        left_title: str = "",
        right_title: str = "",
        title: str = "",
    ):
        self.left, self.right = left, right
        self.left_title, self.right_title, self.title = left_title, right_title, title

    def to_html(self) -> str:
        return compare_html(
            self.left, self.right, left_title=self.left_title, right_title=self.right_title, title=self.title
        )

    def save(self, path: str | Path) -> Path:
        from layout.io.write import atomic_write_text

        return atomic_write_text(path, self.to_html())

    def _repr_html_(self) -> str:
        doc = self.to_html()
        return (
            f'<iframe srcdoc="{html.escape(doc, quote=True)}" style="width:100%;height:560px;border:0" '
            f'sandbox="allow-scripts allow-same-origin"></iframe>'
        )


def compare_maps(
    left: folium.Map, right: folium.Map, *, left_title: str = "", right_title: str = "", title: str = ""
) -> Comparison:
    """Put two maps side by side with synchronised views.

    Parameters
    ----------
    left, right : folium.Map
        E.g. ``county_map(county)`` and ``county_map(county, plan=plan, evaluation=ev)``.
    left_title, right_title, title : str
        Captions (escaped).

    Returns
    -------
    Comparison
        ``.save(path)`` writes one self-contained offline HTML file.

    Example
    -------
    >>> from layout.maps import county_map
    >>> cmp = compare_maps(county_map(county), county_map(county, plan=plan), left_title="today",
    ...                    right_title="<plan>")
    >>> html = cmp.save(out / "compare.html").read_text(encoding="utf-8")
    >>> "&lt;plan&gt;" in html, "<plan>" in html                      # captions are escaped
    (True, False)
    """
    return Comparison(left, right, left_title, right_title, title)


def compare_html(
    left: folium.Map, right: folium.Map, *, left_title: str = "", right_title: str = "", title: str = ""
) -> str:
    """The side-by-side page as HTML text (see :func:`compare_maps`)."""
    docs = [render_offline(left), render_offline(right)]
    names = [left.get_name(), right.get_name()]
    frames = "".join(
        f'<section><h2>{esc(cap)}</h2><iframe id="layout-frame-{i}" srcdoc="{html.escape(doc, quote=True)}">'
        f"</iframe></section>"
        for i, (cap, doc) in enumerate(zip((left_title, right_title), docs, strict=True))
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title or (left_title + " | " + right_title))}</title>
<style>
 html, body {{margin:0; height:100%; font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;}}
 h1 {{font-size:17px; margin:6px 10px;}}
 main {{display:flex; gap:6px; height:calc(100% - 40px); padding:0 6px 6px; box-sizing:border-box;}}
 section {{flex:1; display:flex; flex-direction:column; min-width:0;}}
 section h2 {{font-size:14px; margin:2px 4px;}}
 iframe {{flex:1; width:100%; border:1px solid #bbb;}}
 @media print {{ main {{height:auto;}} iframe {{height:16cm;}} }}
</style></head>
<body><h1>{esc(title)}</h1><main>{frames}</main>
<script>
(function () {{
  var names = [{js_string(names[0])}, {js_string(names[1])}];
  var frames = [document.getElementById("layout-frame-0"), document.getElementById("layout-frame-1")];
  var maps = [null, null], busy = false;
  function link() {{
    for (var i = 0; i < 2; i++) {{
      try {{ maps[i] = frames[i].contentWindow[names[i]] || null; }} catch (e) {{ maps[i] = null; }}
    }}
    if (!maps[0] || !maps[1]) {{ setTimeout(link, 100); return; }}
    maps[1].setView(maps[0].getCenter(), maps[0].getZoom(), {{animate: false}});
    [0, 1].forEach(function (i) {{
      maps[i].on("move zoomend", function () {{
        if (busy) return;
        busy = true;
        maps[1 - i].setView(maps[i].getCenter(), maps[i].getZoom(), {{animate: false}});
        busy = false;
      }});
    }});
    document.body.setAttribute("data-layout-synced", "1");
  }}
  window.addEventListener("load", link);
}})();
</script></body></html>
"""


def save_compare(left: folium.Map, right: folium.Map, path: str | Path, **captions: str) -> Path:
    """Write :func:`compare_html` to ``path`` atomically."""
    return compare_maps(left, right, **captions).save(path)
