"""Rich display in Jupyter without the core knowing the screen: a registry of HTML renderers.

The core classes (:class:`~layout.plan.Plan`, :class:`~layout.evaluate.Evaluation`,
:class:`~layout.recommend.Recommendation`) inherit :class:`HtmlDisplay`: their ``_repr_html_`` asks this registry
for the renderer of their ``display_kind`` and returns ``None`` (plain ``repr`` in Jupyter) when there is none.
The presentation side provides the renderers; the façade (``layout/__init__.py``) names them by dotted path, so a
renderer's module (``layout.report.notebook``, which pulls in the maps' escaping) is imported only the first time
an object is shown, never by importing ``layout.plan``, ``layout.evaluate`` or ``layout.recommend``.

Example
-------
>>> register_html("example", lambda obj: f"<b>{obj.value}</b>")
>>> class Thing(HtmlDisplay):
...     display_kind = "example"
...     value = 3
>>> Thing()._repr_html_()
'<b>3</b>'
>>> unregister_html("example")
>>> Thing()._repr_html_() is None
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["register_html", "unregister_html", "render_html", "HtmlDisplay"]

Renderer = Callable[[Any], str]

_RENDERERS: dict[str, Renderer | str] = {}


def register_html(kind: str, renderer: Renderer | str) -> None:
    """Use ``renderer`` for the HTML display of objects of ``kind`` (replacing any earlier one).

    Parameters
    ----------
    kind : str
        The ``display_kind`` of the class (``plan``, ``evaluation``, ``recommendation``).
    renderer : callable or str
        ``renderer(obj) -> str`` (escaped HTML), or ``"module:function"`` imported on first use.
    """
    _RENDERERS[kind] = renderer


def unregister_html(kind: str) -> None:
    """Forget the renderer of ``kind`` (objects of that kind then show their plain ``repr``)."""
    _RENDERERS.pop(kind, None)


def render_html(kind: str, obj: Any) -> str | None:
    """The HTML of ``obj`` from the renderer registered for ``kind``, or ``None`` when none is.

    Parameters
    ----------
    kind : str
    obj : object

    Returns
    -------
    str or None
    """
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        return None
    if isinstance(renderer, str):
        module, _, name = renderer.partition(":")
        renderer = getattr(importlib.import_module(module), name)
        _RENDERERS[kind] = renderer
    return renderer(obj)


class HtmlDisplay:
    """Mixin: ``_repr_html_`` from the renderer registered for the class's ``display_kind``."""

    display_kind: ClassVar[str] = ""

    def _repr_html_(self) -> str | None:
        """Readable table in Jupyter (renderer registered in :mod:`layout.display`; plain repr when none)."""
        return render_html(self.display_kind, self)
