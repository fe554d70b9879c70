"""Labels on maps and in reports, looked up in the one catalogue (``layout/labels.yaml``, :mod:`layout.i18n`).

:func:`t` takes the short keys the map and report code use (``"villages"``, ``"close"``, ``"g1_3"``, ``"walk"``,
``"road_county"``) and finds them in the catalogue's ``map``, ``action``, ``band``, ``mode`` and ``kind``
namespaces, in that order.

Example
-------
>>> t("close"), t("g1_3", "en"), t("road_county"), t("status_quo", "en")
('撤并(关闭)', 'grades 1-3', '县道', 'status quo')
"""

from __future__ import annotations

from layout.i18n import DEFAULT_LANG, check_lang, has, plan_title, term
from layout.i18n import t as _t

__all__ = ["t", "ACTION_LABELS", "plan_title"]

_NAMESPACES = ("map.", "action.", "band.", "mode.", "kind.", "")
_MAP_ACTIONS = ("keep", "close", "merge", "downgrade", "boarding", "new")


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    """The label of ``key`` in ``lang`` (``zh``/``en``); the key itself when the catalogue has none."""
    check_lang(lang)
    if key == "status_quo":
        return _t("plan.status quo", lang)
    if key.startswith("road_"):
        return term("road", key[5:], lang)
    for ns in _NAMESPACES:
        if has(ns + key):
            return _t(ns + key, lang)
    return key


ACTION_LABELS = {a: (_t(f"action.{a}", "zh"), _t(f"action.{a}", "en")) for a in _MAP_ACTIONS}
