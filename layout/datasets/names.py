"""Place and school names for synthetic counties: plausible Chinese mountain-county names, made up.

Names are drawn deterministically from the generator's random stream; every village name in a county is unique.
"""

from __future__ import annotations

import numpy as np

__all__ = ["township_names", "village_names", "community_names"]

# Township (乡镇) names seen across mountain counties of Sichuan, Shaanxi, Guizhou and Gansu; none is tied to a
# particular real county here.
_TOWNSHIPS = ["河口镇", "石门乡", "白岩乡", "龙潭镇", "黄坪乡", "青溪镇", "杨柳乡", "松林乡", "高坝镇", "马鞍乡",
              "双河镇", "桃园乡", "金竹乡", "柏树乡", "红岩乡", "观音镇", "太平乡", "永安镇", "三合乡", "新店镇",
              "木瓜乡", "铁炉乡", "柳溪乡", "大坪镇", "石桥乡", "凤凰乡", "云台乡", "沙坝乡", "茶园乡", "花石乡"]
_TOWNSHIP_PARTS = (["东", "西", "南", "北", "上", "下", "中", "新", "老", "大", "小", "长", "清", "碧", "兴"],
                   ["河", "溪", "岭", "坪", "坝", "岩", "山", "林", "桥", "沟", "湾", "垭", "峪", "川", "塘"])

_VILLAGE_FIRST = ["张家", "李家", "王家", "刘家", "陈家", "杨家", "赵家", "周家", "吴家", "何家", "罗家", "谢家",
                  "石", "青", "黄", "白", "红", "柳", "松", "竹", "桃", "杏", "枣", "茶", "油", "麻", "马", "牛",
                  "羊", "龙", "凤", "鹰", "鹿", "长", "高", "大", "小", "上", "下", "中", "前", "后", "新", "老",
                  "双", "三", "五", "九", "金", "银", "铜", "铁", "乌", "花", "草", "核桃", "板栗", "漆树",
                  "水", "泉", "云", "雾", "月", "太阳", "观音", "庙", "寨", "关"]
_VILLAGE_LAST = ["坪", "沟", "湾", "垭", "坝", "岭", "河", "岩", "梁", "坡", "寨", "台", "口", "溪", "峪", "院",
                 "塘", "坎", "嘴", "包", "田", "园", "山", "洞", "桥", "庄", "岔", "垴", "营", "铺"]

_COMMUNITY = ["东街", "西街", "南关", "北关", "滨河", "新城", "中街", "城南", "城北", "河西", "河东", "文昌", "朝阳",
              "解放", "人民", "建设", "和平", "红星", "望江", "花园"]


def township_names(n_rural: int, rng: np.random.Generator) -> list[str]:
    """The county-town township 城关镇 followed by ``n_rural`` distinct rural township names."""
    pool = list(_TOWNSHIPS)
    rng.shuffle(pool)
    names = pool[:n_rural]
    k = 0
    while len(names) < n_rural:
        a, b = _TOWNSHIP_PARTS
        cand = a[k % len(a)] + b[(k // len(a)) % len(b)] + ("镇" if k % 3 == 0 else "乡")
        if cand not in names and cand != "城关镇":
            names.append(cand)
        k += 1
    return ["城关镇", *names]


def village_names(n: int, rng: np.random.Generator, taken: set[str] | None = None) -> list[str]:
    """``n`` distinct village names ending in 村 (none of them in ``taken``)."""
    taken = set(taken or ())
    out: list[str] = []
    combos = [f + last for f in _VILLAGE_FIRST for last in _VILLAGE_LAST]
    order = rng.permutation(len(combos))
    k = 0
    for i in order:
        if len(out) == n:
            break
        name = combos[i] + "村"
        if name not in taken:
            out.append(name)
            taken.add(name)
    while len(out) < n:     # more villages than combinations: number the rest
        name = f"{combos[order[k % len(order)]]}{k // len(order) + 2}组村"
        if name not in taken:
            out.append(name)
            taken.add(name)
        k += 1
    return out


def community_names(n: int) -> list[str]:
    """``n`` distinct county-town community (社区) names."""
    out = [f"{c}社区" for c in _COMMUNITY[:n]]
    k = 0
    while len(out) < n:
        out.append(f"城区第{k + 1}社区")
        k += 1
    return out
