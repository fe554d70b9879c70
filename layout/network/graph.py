"""`RoadNetwork`: road lines turned into a routable graph (junction nodes, edges between them, per-mode costs).

Lines are split into edges at every junction and at line ends, the way OpenStreetMap ways join at shared nodes.
A junction is a vertex two road lines share, or vertices at most ``modes.snapping.node_tolerance_metres``
apart, chains included, except stretches of one line shorter than that: see :func:`_vertex_ids` for the rule.
Lines that cross without a vertex there (bridges, underpasses) stay unconnected, and so does a road end that
stops short of another road's *segment* away from any vertex. Each edge keeps its polyline as *segments* so
points can snap to the nearest point along it.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import CRS
from scipy.sparse.csgraph import connected_components

from layout.errors import LayoutInputError, Problem
from layout.network.modes import ModeSpec, mode_spec
from layout.standards import Standards, load_standards

__all__ = ["RoadNetwork", "ModeGraph"]

log = logging.getLogger(__name__)


class ModeGraph:
    """The network as one mode sees it: directed arcs with minutes and metres, as a sparse matrix.

    Attributes
    ----------
    spec : ModeSpec
    edge_minutes_per_metre : ndarray
        Per edge of the network; ``nan`` where the mode cannot use the edge.
    forward, backward : ndarray of bool
        Whether each edge may be travelled from ``u`` to ``v`` / from ``v`` to ``u``.
    arc_u, arc_v, arc_minutes, arc_metres : ndarray
        Directed arcs (parallel arcs reduced to the fastest), between network nodes.
    component : ndarray of int
        Weakly connected component of every node (over usable edges).
    uniform_speed : bool
        True when every usable edge has the same speed (metres then follow exactly from minutes).
    """

    def __init__(self, net: RoadNetwork, spec: ModeSpec):
        self.spec = spec
        self.network = net
        speed = spec.edge_speeds(net.edges["road_class"].to_numpy(object), net.edges["speed_kmh"].to_numpy(float))
        usable = np.isfinite(speed)
        self.usable = usable
        self.edge_minutes_per_metre = np.where(usable, 60.0 / (np.where(usable, speed, 1.0) * 1000.0), np.nan)
        oneway = net.edges["oneway"].to_numpy(bool) if spec.follows_oneway else np.zeros(len(net.edges), bool)
        self.forward = usable.copy()
        self.backward = usable & ~oneway
        u, v = net.edge_u, net.edge_v
        length = net.edge_length
        fwd, bwd = self.forward & (u != v), self.backward & (u != v)
        au = np.concatenate([u[fwd], v[bwd]])
        av = np.concatenate([v[fwd], u[bwd]])
        minutes = np.concatenate([(length * self.edge_minutes_per_metre)[fwd], (length * self.edge_minutes_per_metre)[bwd]])
        metres = np.concatenate([length[fwd], length[bwd]])
        # keep the fastest of parallel arcs (a sparse matrix would otherwise add them up)
        order = np.lexsort((metres, minutes, av, au))
        au, av, minutes, metres = au[order], av[order], minutes[order], metres[order]
        first = np.ones(len(au), bool)
        first[1:] = (au[1:] != au[:-1]) | (av[1:] != av[:-1])
        self.arc_u, self.arc_v = au[first], av[first]
        self.arc_minutes, self.arc_metres = minutes[first], metres[first]
        self.n_nodes = net.n_nodes
        speeds = np.unique(speed[usable])
        self.uniform_speed = len(speeds) <= 1
        self.speed_m_per_min = float(speeds[0]) * 1000.0 / 60.0 if len(speeds) == 1 else np.nan
        adj = sp.csr_array((np.ones(len(self.arc_u)), (self.arc_u, self.arc_v)), shape=(net.n_nodes, net.n_nodes))
        self.n_components, self.component = connected_components(adj, directed=True, connection="weak")
        self._csr: dict[bool, tuple] = {}

    def csr(self, reverse: bool = False):
        """The arcs grouped by tail node (:func:`layout.network.search.csr_arrays`), reversed if asked.

        Nodes are numbered by ``network.node_rank`` (along a Hilbert curve, for memory locality): look a node
        up as ``node_rank[node]``. Built once per direction. Reversed arcs give the time *to* a node by
        searching from it.
        """
        from layout.network.search import csr_arrays

        if reverse not in self._csr:
            rank = self.network.node_rank
            tail, head = (self.arc_v, self.arc_u) if reverse else (self.arc_u, self.arc_v)
            self._csr[reverse] = csr_arrays(rank[tail], rank[head], self.arc_minutes, self.arc_metres, self.n_nodes)
        return self._csr[reverse]

    @cached_property
    def segment_tree(self) -> tuple[shapely.STRtree, np.ndarray]:
        """Spatial index over the segments of usable edges, and the segment numbers it holds."""
        return self.network.segment_tree(self.usable)


class RoadNetwork:
    """A routable road network in a metric CRS.

    Build it with :meth:`from_roads` (a county's road lines) or :meth:`from_osm` (an OpenStreetMap file). Road
    lines join at junctions: vertices they share, or vertices at most ``node_tolerance`` metres apart (see
    :meth:`from_roads`).

    Two networkx views:

    * :meth:`to_networkx` (``mode``): the network as one mode travels it, for your own analyses: arcs only where
      the mode may go (roads it may not use left out, one-way roads one way if the mode follows them), each with
      ``minutes``, ``metres`` and its ``geometry``. Shortest paths on it by ``weight="minutes"`` are the on-road
      part of the times :func:`layout.network.travel` reports, which adds the walk between each village or school
      and its road and the mode's wait (``graph["wait_minutes"]``).
    * :attr:`graph`: the roads as drawn, with no travel times: every road, whatever the mode, both ways unless
      one-way; edge attributes ``length`` (m), ``road_class``, ``highway``, ``oneway``, ``speed_kmh`` (the line's
      own speed, ``nan`` if none) and ``name``.

    Attributes
    ----------
    nodes : ndarray (n, 2)
        Junction coordinates.
    edges : DataFrame
        One row per edge: ``u``, ``v`` (node numbers), ``length_m``, ``road_class`` (canonical), ``speed_kmh``
        (the line's own speed or ``nan``), ``oneway`` (travel allowed only from ``u`` to ``v``), ``highway``
        (the OpenStreetMap value, empty for county roads), ``name``.
    crs : pyproj.CRS
    standards : Standards
    node_tolerance : float
        Metres: vertices this close are one junction, and a village or school whose road point lies this close to
        a junction starts (or ends) its trip there.

    Example
    -------
    >>> import geopandas as gpd
    >>> import networkx as nx
    >>> from shapely.geometry import LineString
    >>> roads = gpd.GeoDataFrame({"road_class": ["village", "footpath"]},
    ...                          geometry=[LineString([(0, 0), (1000, 0)]), LineString([(1000, 0), (1000, 500)])],
    ...                          crs=32648)
    >>> net = RoadNetwork.from_roads(roads)
    >>> net.n_nodes, len(net.edges)
    (3, 2)
    >>> walk = net.to_networkx("walk")
    >>> round(nx.shortest_path_length(walk, 0, 2, weight="minutes"), 1)     # 1500 m at 4 km/h
    22.5
    >>> walk[1][2][1]["metres"], walk[1][2][1]["geometry"].wkt              # key 1: edge 1 of net.edges
    (500.0, 'LINESTRING (1000 0, 1000 500)')
    >>> net.to_networkx("bus").number_of_edges()                            # no footpaths for the bus
    2
    >>> net.graph.number_of_edges()                                         # every road, both ways
    4
    """

    def __init__(self, nodes: np.ndarray, edges: pd.DataFrame, seg_xy: np.ndarray, seg_edge: np.ndarray,
                 seg_offset: np.ndarray, crs, standards: Standards | None = None, node_tolerance: float | None = None):
        self.nodes = np.asarray(nodes, dtype=float)
        self.edges = edges.reset_index(drop=True)
        self.edge_u = self.edges["u"].to_numpy(np.int64)
        self.edge_v = self.edges["v"].to_numpy(np.int64)
        self.edge_length = self.edges["length_m"].to_numpy(float)
        self.seg_xy = np.asarray(seg_xy, dtype=float)          # (m, 4): x0, y0, x1, y1
        self.seg_edge = np.asarray(seg_edge, dtype=np.int64)
        self.seg_offset = np.asarray(seg_offset, dtype=float)  # metres from the edge's u end to the segment start
        self.crs = CRS.from_user_input(crs) if crs is not None else None
        self.standards = standards or load_standards()
        self.node_tolerance = float(node_tolerance if node_tolerance is not None
                                    else self.standards.get("modes.snapping.node_tolerance_metres"))
        self._modes: dict[str, ModeGraph] = {}
        self._trees: dict[frozenset, tuple[shapely.STRtree, np.ndarray]] = {}

    # ---- construction -----------------------------------------------------------------------------------
    @classmethod
    def from_roads(cls, roads: gpd.GeoDataFrame, standards: Standards | None = None, *,
                   tolerance: float | None = None) -> RoadNetwork:
        """Build the network from road lines.

        Parameters
        ----------
        roads : GeoDataFrame
            LineStrings (or MultiLineStrings) in a metric CRS with a canonical ``road_class``; optional
            ``speed_kmh`` (the line's own speed), ``oneway`` (true: only in the drawing direction; -1: only
            against it), ``highway`` and ``name``.
        standards : Standards, optional
        tolerance : float, optional
            Metres; default ``modes.snapping.node_tolerance_metres``. Vertices at most this far apart are one
            junction, and so is every chain of such links (ends 0.4 m apart in a row are one junction at 0.5 m);
            vertices of one line closer than this *along* it are not (see :func:`_vertex_ids`).

        Returns
        -------
        RoadNetwork
        """
        std = standards or load_standards()
        tol = float(tolerance if tolerance is not None else std.get("modes.snapping.node_tolerance_metres"))
        if roads.crs is not None and not CRS.from_user_input(roads.crs).is_projected:
            raise LayoutInputError([Problem("roads", "road lines are in lon/lat degrees, not metres",
                                            value=str(roads.crs), fix="project them first (e.g. county.crs)")])
        if "road_class" not in roads:
            raise LayoutInputError([Problem("roads", "road lines have no road_class column", column="road_class",
                                            fix="add road_class (expressway … footpath) to every line")])
        geoms = np.asarray(roads.geometry.values, dtype=object)
        lines = roads[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
        lines = lines[lines.geom_type.isin(["LineString", "MultiLineString"])].explode(index_parts=False)
        lines = lines.reset_index(drop=True)
        n_lines = len(lines)
        cls_ = lines["road_class"].astype(object).to_numpy()
        line_speed = (pd.to_numeric(lines["speed_kmh"], errors="coerce").to_numpy(float) if "speed_kmh" in lines
                      else np.full(n_lines, np.nan))
        oneway = _oneway_codes(lines["oneway"]) if "oneway" in lines else np.zeros(n_lines, np.int8)
        highway = lines["highway"].fillna("").astype(object).to_numpy() if "highway" in lines else np.full(n_lines, "", object)
        name = lines["name"].fillna("").astype(object).to_numpy() if "name" in lines else np.full(n_lines, "", object)

        coords, li = shapely.get_coordinates(lines.geometry.values, return_index=True)
        if len(coords) == 0:
            return cls(np.zeros((0, 2)), _empty_edges(), np.zeros((0, 4)), np.zeros(0, np.int64), np.zeros(0),
                       lines.crs, std, tol)
        first_of_line = np.ones(len(li), bool)
        first_of_line[1:] = li[1:] != li[:-1]
        last_of_line = np.ones(len(li), bool)
        last_of_line[:-1] = li[1:] != li[:-1]
        # cumulative metres along each line (global cumulative sum; differences within a line are exact enough)
        step = np.zeros(len(coords))
        step[1:] = np.where(li[1:] == li[:-1], np.hypot(*(coords[1:] - coords[:-1]).T), 0.0)
        cum = np.cumsum(step)
        vid, n_nodes = _vertex_ids(coords, li, cum, tol)
        # node coordinates: the first vertex seen at each junction
        nodes = np.zeros((n_nodes, 2))
        nodes[vid[::-1]] = coords[::-1]
        occ = np.bincount(vid, minlength=n_nodes)
        is_break = first_of_line | last_of_line | (occ[vid] >= 2)
        bp = np.flatnonzero(is_break)
        valid = li[bp[:-1]] == li[bp[1:]]
        start, end = bp[:-1][valid], bp[1:][valid]
        length = cum[end] - cum[start]
        line_of_edge = li[start]
        u, v = vid[start], vid[end]
        keep = ~((u == v) & (length <= 0))
        edge_no = np.full(len(valid), -1, np.int64)
        edge_no[np.flatnonzero(valid)[keep]] = np.arange(int(keep.sum()))
        start, end, length, line_of_edge, u, v = (a[keep] for a in (start, end, length, line_of_edge, u, v))
        # keep only junctions (edge ends) as nodes
        used, inv = np.unique(np.concatenate([u, v]), return_inverse=True)
        u, v = inv[:len(u)], inv[len(u):]
        nodes = nodes[used]
        ow = oneway[line_of_edge]
        # a line drawn against its one-way direction: store the edge reversed
        rev = ow < 0
        u, v = np.where(rev, v, u), np.where(rev, u, v)
        edges = pd.DataFrame({"u": u, "v": v, "length_m": length,
                              "road_class": cls_[line_of_edge], "speed_kmh": line_speed[line_of_edge],
                              "oneway": ow != 0, "highway": highway[line_of_edge], "name": name[line_of_edge],
                              "line": line_of_edge})
        # segments: consecutive vertices of a line, tagged with their edge and offset from the edge's u end
        seg_start = np.flatnonzero(~last_of_line)
        brk_index = np.searchsorted(bp, seg_start, side="right") - 1
        seg_edge = edge_no[np.minimum(brk_index, len(edge_no) - 1)]
        seg_len = step[seg_start + 1]
        ok = (seg_edge >= 0) & (seg_len > 0)
        seg_start, seg_edge, brk_index = seg_start[ok], seg_edge[ok], brk_index[ok]
        offset = cum[seg_start] - cum[bp[brk_index]]
        seg_xy = np.column_stack([coords[seg_start], coords[seg_start + 1]])
        r = rev[seg_edge]
        if r.any():   # reversed edges: measure from the other end, and draw the segment the other way
            seg_len_r = step[seg_start + 1][r]
            offset[r] = length[seg_edge[r]] - offset[r] - seg_len_r
            seg_xy[r] = seg_xy[r][:, [2, 3, 0, 1]]
        net = cls(nodes, edges, seg_xy, seg_edge, offset, lines.crs, std, tol)
        log.info("road network: %d lines → %r (junctions within %g m)", n_lines, net, tol)
        return net

    @classmethod
    def from_osm(cls, path: str | Path, crs=None, standards: Standards | None = None, *,
                 bbox: tuple[float, float, float, float] | None = None) -> RoadNetwork:
        """Build the network from an OpenStreetMap file read offline (``.osm.pbf``, ``.osm``, ``.osm.gz``, ``.osm.bz2``).

        ``highway=*`` values map to canonical classes through ``road_classes.osm_highway`` in the standards;
        the OSM value is kept in the ``highway`` column. See :func:`layout.network.osm.read_osm_roads`.

        Parameters
        ----------
        path : str or Path
        crs : CRS-like, optional
            The metric CRS to work in; defaults to the UTM zone of the data's centre.
        standards : Standards, optional
        bbox : (min_lon, min_lat, max_lon, max_lat), optional
            Keep only ways with a node inside this box.

        Returns
        -------
        RoadNetwork
        """
        from layout.network.osm import read_osm_roads

        std = standards or load_standards()
        return cls.from_roads(read_osm_roads(path, crs=crs, standards=std, bbox=bbox), std)

    # ---- views ----------------------------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    def mode(self, mode: str | ModeSpec) -> ModeGraph:
        """The network as a mode sees it (built once per mode definition)."""
        spec = mode_spec(mode, self.standards)
        key = spec.key()
        if key not in self._modes:
            self._modes[key] = ModeGraph(self, spec)
        return self._modes[key]

    def segment_tree(self, usable_edges: np.ndarray) -> tuple[shapely.STRtree, np.ndarray]:
        """A spatial index over the segments of the given usable edges (cached by the set of usable classes)."""
        key = hashlib.sha1(np.packbits(usable_edges).tobytes()).hexdigest()
        if key not in self._trees:
            segs = np.flatnonzero(usable_edges[self.seg_edge]) if len(self.seg_edge) else np.zeros(0, np.int64)
            xy = self.seg_xy[segs]
            geoms = shapely.linestrings(np.stack([xy[:, :2], xy[:, 2:]], axis=1)) if len(segs) else np.array([])
            self._trees[key] = (shapely.STRtree(geoms), segs)
        return self._trees[key]

    def matrix(self, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame, mode: str | ModeSpec = "walk", *,
               cutoff: float | None = None, cache_dir: str | Path | None = None, workers: int = 1,
               layers: tuple[str, str] = ("village", "school"), progress: bool = True):
        """Travel minutes and metres from every origin point to every destination point by one mode.

        Parameters
        ----------
        origins, destinations : GeoDataFrame
            Points in the network's CRS indexed by id (villages × villages, villages × candidate sites, …).
        mode : str or ModeSpec
        cutoff : float, optional
            Minutes; longer trips are ``inf`` (reason "beyond the cutoff").
        cache_dir : path, optional
            Folder to cache results in (keyed by a hash of network, points, mode and cutoff).
        workers : int
            Threads searching in parallel.
        layers : (str, str)
            Names of the two layers in reports.
        progress : bool
            Show a progress bar over the searches when they take more than a second (``False``: never).

        Returns
        -------
        TravelMatrix

        Example
        -------
        >>> import geopandas as gpd, pandas as pd
        >>> from shapely.geometry import LineString, Point
        >>> roads = gpd.GeoDataFrame({"road_class": ["village"]}, geometry=[LineString([(0, 0), (800, 0)])],
        ...                          crs=32648)
        >>> pts = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(800, 0)], index=pd.Index(["A", "B"]), crs=32648)
        >>> RoadNetwork.from_roads(roads).matrix(pts, pts, "walk").minutes.loc["A", "B"]
        np.float64(12.0)
        """
        from layout.network.cache import cached, matrix_key
        from layout.network.route import network_matrix

        spec = mode_spec(mode, self.standards)
        for name, pts in (("origins", origins), ("destinations", destinations)):
            if pts.crs is not None and self.crs is not None and not CRS.from_user_input(pts.crs).equals(self.crs):
                raise LayoutInputError([Problem(name, "points are in another CRS than the road network",
                                                value=str(pts.crs), fix=f"project them with .to_crs({self.crs.to_string()!r})")])
        def compute():
            return network_matrix(self, origins, destinations, spec, cutoff=cutoff, workers=workers, layers=layers,
                                  progress=progress)

        if cache_dir is None:                 # no cache: no need to hash the network and the points
            return compute()
        return cached(cache_dir, matrix_key(self.fingerprint, origins, destinations, spec.key(), cutoff), compute)

    @cached_property
    def graph(self):
        """The roads as drawn, as a networkx ``MultiDiGraph`` with no travel times (see :meth:`to_networkx`).

        Nodes are junction numbers with ``x``, ``y``. Each edge (key = its row in :attr:`edges`) carries
        ``length`` (m), ``road_class``, ``highway``, ``oneway``, ``speed_kmh`` (the line's own speed, ``nan`` if
        none) and ``name``. Every road is there whatever the mode; two-way roads are a pair of arcs (a two-way
        loop road, one arc).
        """
        import networkx as nx

        g = nx.MultiDiGraph(crs=self.crs)
        g.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(self.nodes))
        cols = ["length_m", "road_class", "highway", "oneway", "speed_kmh", "name"]
        for k, (u, v, length, rc, hw, ow, spd, name) in enumerate(
                zip(self.edge_u, self.edge_v, *(self.edges[c].to_numpy() for c in cols), strict=True)):
            attrs = {"length": float(length), "road_class": rc, "highway": hw, "oneway": bool(ow),
                     "speed_kmh": float(spd), "name": name}
            g.add_edge(int(u), int(v), key=k, **attrs)
            if not ow:
                g.add_edge(int(v), int(u), key=k, **attrs)
        return g

    def to_networkx(self, mode: str | ModeSpec = "walk", *, geometry: bool = True):
        """The network as one mode travels it: a networkx ``MultiDiGraph`` with travel minutes on every arc.

        Parameters
        ----------
        mode : str or ModeSpec
            ``"walk"``, ``"bus"`` or another mode of the standards.
        geometry : bool
            Put each arc's LineString (drawn in its direction of travel) in ``geometry``; leave out for speed.

        Returns
        -------
        networkx.MultiDiGraph
            Nodes: junction numbers with ``x``, ``y`` (metres in :attr:`crs`). Arcs only where the mode may go:
            roads of its excluded classes are left out, one-way roads go one way when the mode follows one-way
            rules (the bus; pedestrians walk both ways). Each arc's key is its row in :attr:`edges` (``edge``) and
            it carries ``minutes``, ``metres``, ``speed_kmh`` (the mode's speed on it), ``road_class``,
            ``highway``, ``oneway``, ``name``, ``reversed`` (runs from the edge's ``v`` to its ``u``) and
            ``geometry``. A two-way loop road (from a junction back to it) has both arcs, keys ``edge`` and
            ``-1 - edge``. Graph attributes: ``crs``, ``mode``, ``wait_minutes`` (added once per trip by
            :func:`layout.network.travel`, not on arcs).

        Example
        -------
        See the class docstring.
        """
        import networkx as nx

        mg = self.mode(mode)
        spec = mg.spec
        g = nx.MultiDiGraph(crs=self.crs, mode=spec.name, wait_minutes=spec.wait_minutes)
        g.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(self.nodes))
        geoms = self.edge_geometries().geometry.to_numpy() if geometry else None
        tpm = mg.edge_minutes_per_metre
        cols = {c: self.edges[c].to_numpy() for c in ("road_class", "highway", "oneway", "name")}
        for reverse, allowed in ((False, mg.forward), (True, mg.backward)):
            edges = np.flatnonzero(allowed)
            tail, head = (self.edge_v, self.edge_u) if reverse else (self.edge_u, self.edge_v)
            lines = geoms[edges] if geometry else None
            if geometry and reverse and len(edges):
                lines = shapely.reverse(lines)
            g.add_edges_from(
                (int(tail[e]), int(head[e]), int(-1 - e if reverse and tail[e] == head[e] else e),
                 {"edge": int(e), "minutes": float(self.edge_length[e] * tpm[e]),
                  "metres": float(self.edge_length[e]), "speed_kmh": float(60.0 / (tpm[e] * 1000.0)),
                  "road_class": cols["road_class"][e], "highway": cols["highway"][e],
                  "oneway": bool(cols["oneway"][e]), "name": cols["name"][e], "reversed": reverse,
                  **({"geometry": lines[i]} if geometry else {})})
                for i, e in enumerate(edges))
        return g

    def edge_geometries(self) -> gpd.GeoDataFrame:
        """One LineString per edge (for maps and checks), with the edge attributes."""
        order = np.lexsort((self.seg_offset, self.seg_edge))
        se, xy = self.seg_edge[order], self.seg_xy[order]
        pts = np.concatenate([xy[:, :2], xy[:, 2:]])
        idx = np.concatenate([se, se])
        o2 = np.concatenate([np.arange(len(se)) * 2, np.arange(len(se)) * 2 + 1])
        ordr = np.lexsort((o2, idx))
        pts, idx = pts[ordr], idx[ordr]
        keep = np.ones(len(pts), bool)
        keep[1:] = ~((idx[1:] == idx[:-1]) & np.all(pts[1:] == pts[:-1], axis=1))
        geoms = np.full(len(self.edges), None, dtype=object)
        has = np.unique(idx)
        geoms[has] = shapely.linestrings(pts[keep], indices=idx[keep])[has] if len(has) else []
        return gpd.GeoDataFrame(self.edges.drop(columns=["line"], errors="ignore"), geometry=list(geoms),
                                crs=self.crs)

    @cached_property
    def node_rank(self) -> np.ndarray:
        """Each node's number in the search graphs: its place along a Hilbert curve (nearby nodes, nearby memory)."""
        from layout.network.spatial_order import hilbert_rank

        return hilbert_rank(self.nodes)

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the network's content (nodes, edges and their attributes) for cache keys."""
        h = hashlib.sha256()
        for arr in (self.nodes, self.edge_u, self.edge_v, self.edge_length, self.seg_xy, self.seg_edge,
                    self.seg_offset, self.edges["speed_kmh"].to_numpy(float), self.edges["oneway"].to_numpy(bool)):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update("\x1f".join(map(str, self.edges["road_class"])).encode())
        h.update(str(self.crs).encode())
        h.update(repr(self.node_tolerance).encode())
        return h.hexdigest()

    def __repr__(self) -> str:
        km = self.edge_length.sum() / 1000.0
        return f"RoadNetwork({self.n_nodes} nodes, {len(self.edges)} edges, {km:.1f} km)"


def _empty_edges() -> pd.DataFrame:
    return pd.DataFrame({"u": np.zeros(0, np.int64), "v": np.zeros(0, np.int64), "length_m": np.zeros(0),
                         "road_class": np.zeros(0, object), "speed_kmh": np.zeros(0), "oneway": np.zeros(0, bool),
                         "highway": np.zeros(0, object), "name": np.zeros(0, object), "line": np.zeros(0, np.int64)})


def _oneway_codes(values: pd.Series) -> np.ndarray:
    """1 = one-way in drawing direction, -1 = against it, 0 = both ways (from bools, numbers or OSM text)."""
    out = np.zeros(len(values), np.int8)
    for i, v in enumerate(values.to_numpy(object)):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        s = str(v).strip().lower()
        if s in ("-1", "reverse"):
            out[i] = -1
        elif s in ("1", "yes", "true", "t", "y", "是"):
            out[i] = 1
    return out


def _vertex_ids(coords: np.ndarray, line: np.ndarray, along: np.ndarray, tol: float) -> tuple[np.ndarray, int]:
    """Number line vertices so that the vertices of one junction share a number (the junction rule).

    Two vertices are *linked* when

    * their coordinates are equal (a vertex two lines share, or a line passing through one of its own vertices
      again), or
    * they are at most ``tol`` metres apart, unless they lie on the same line within ``tol`` of each other
      *along* it: a stretch of one road shorter than the tolerance is that road, not a junction (a line digitised
      with vertices closer than ``tol``, such as a GPS trace, keeps its shape), while a road end stopping short of
      another road's vertex, or a loop whose last vertex misses its first, is joined.

    A junction is a group of vertices joined by a *chain* of links (the connected components of the links), so two
    vertices farther apart than ``tol`` are one junction only when vertices between them link them step by step
    (ends 0.4 m apart in a row, at 0.5 m tolerance). "At most ``tol``" is decided in floating point, so pairs at
    exactly ``tol`` may fall either way.

    Equal coordinates are grouped by hashing (:func:`_equal_points`), the distinct points within ``tol`` of each
    other are found with a k-d tree (:meth:`scipy.spatial.cKDTree.query_pairs`) and the chains with
    :func:`scipy.sparse.csgraph.connected_components`.

    Parameters
    ----------
    coords : ndarray (m, 2)
        Every vertex of every line, line after line.
    line : ndarray of int (m,)
        The line of each vertex.
    along : ndarray (m,)
        Metres along its line to each vertex (only differences within a line are used).
    tol : float
        Metres.

    Returns
    -------
    vid : ndarray of int (m,)
        Junction number of each vertex, ``0 … n - 1``.
    n : int

    Example
    -------
    >>> xy = np.array([[0, 0], [100.249, 0], [100.251, 0], [200, 0]])   # two ends 2 mm apart
    >>> vid, n = _vertex_ids(xy, np.array([0, 0, 1, 1]), np.array([0, 100.249, 0, 99.749]), 0.5)
    >>> vid.tolist(), n
    ([0, 1, 1, 2], 3)
    """
    from scipy.spatial import cKDTree

    point, xy = _equal_points(coords)
    n_points = len(xy)
    if not n_points:
        return np.zeros(0, np.int64), 0
    if tol > 0:   # an unbalanced tree without compacting builds several times faster here and queries as fast
        tree = cKDTree(xy, balanced_tree=False, compact_nodes=False)
        pairs = tree.query_pairs(float(tol), output_type="ndarray")
    else:
        pairs = np.zeros((0, 2), np.int64)
    if len(pairs):
        # the lines of each point (lowest and highest) and its place along them, for points in a pair
        in_pair = np.zeros(n_points, bool)
        in_pair[pairs.ravel()] = True
        occ = np.flatnonzero(in_pair[point])
        p = point[occ]
        line_lo = np.full(n_points, np.iinfo(np.int64).max)
        line_hi = np.full(n_points, -1)
        at_lo = np.full(n_points, np.inf)
        at_hi = np.full(n_points, -np.inf)
        np.minimum.at(line_lo, p, line[occ])
        np.maximum.at(line_hi, p, line[occ])
        np.minimum.at(at_lo, p, along[occ])
        np.maximum.at(at_hi, p, along[occ])
        a, b = pairs[:, 0], pairs[:, 1]
        one_line = (line_lo[a] == line_hi[a]) & (line_lo[b] == line_hi[b]) & (line_lo[a] == line_lo[b])
        apart_along = np.maximum(np.abs(at_hi[a] - at_lo[b]), np.abs(at_lo[a] - at_hi[b]))
        pairs = pairs[~(one_line & (apart_along <= tol))]
    if not len(pairs):
        return point.astype(np.int64), n_points
    links = sp.coo_array((np.ones(len(pairs), np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n_points, n_points))
    n, junction = connected_components(links, directed=False)
    if log.isEnabledFor(logging.INFO):
        joined = np.zeros(n_points, bool)
        joined[pairs.ravel()] = True
        log.info("junctions: %d road points within %g m of another joined by distance into %d junctions",
                 int(joined.sum()), tol, int(np.count_nonzero(np.bincount(junction[joined], minlength=n))))
    return junction[point].astype(np.int64), int(n)


def _equal_points(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group equal coordinates: the point number of each vertex and the distinct points, in order of appearance.

    The two coordinates' bits are mixed into one 64-bit key and factorised by pandas' hash table (faster than
    hashing pairs or sorting when most vertices are distinct); the groups are then checked against the
    coordinates themselves, and in the (never yet seen) case of two coordinates sharing a key, grouped exactly.

    Example
    -------
    >>> point, xy = _equal_points(np.array([[1.0, 2.0], [0.0, 0.0], [1.0, 2.0], [-0.0, 0.0]]))
    >>> point.tolist(), xy.tolist()
    ([0, 1, 0, 1], [[1.0, 2.0], [0.0, 0.0]])
    """
    c = np.ascontiguousarray(coords, dtype=np.float64) + 0.0          # + 0.0 turns -0.0 into 0.0
    if not len(c):
        return np.zeros(0, np.int64), np.zeros((0, 2))
    bits = c.view(np.uint64)
    key = (bits[:, 0] * np.uint64(0x9E3779B97F4A7C15)) ^ bits[:, 1]    # wraps around: a hash, not a number
    point, _ = pd.factorize(key.view(np.int64))
    first = np.empty(int(point.max()) + 1, np.int64)
    first[point[::-1]] = np.arange(len(point) - 1, -1, -1)
    xy = c[first]
    if not (xy[point] == c).all():                                     # a shared key: group exactly instead
        point, uniq = pd.factorize(c[:, 0] + 1j * c[:, 1])
        xy = np.column_stack([uniq.real, uniq.imag])
    return point.astype(np.int64), xy
