"""Adapters from a :class:`~layout.transport.problem.RoutingProblem` to vehicle-routing libraries.

Each adapter imports its library only when called and returns routes as lists of stop positions in the
problem's *reversed* order (school → last pickup → … → first pickup). The libraries compared
(``benchmarks/buses.py``, ``docs/buses.md``):

* **PyVRP** (``pyvrp``): iterated local search, stopped after a number of iterations without improvement, so a
  run is the same for the same seed on any machine;
* **VROOM** (``pyvroom``): construction heuristics and local search at an exploration level (no randomness);
* **OR-Tools** routing (``ortools``): cheapest-arc start and guided local search under a time limit (so a run
  depends on the machine's speed and load).

VROOM is the project's choice (a dependency of ``layout``): on the sample county it matches PyVRP and on a
generated 2,000-village county it needs fewer vehicles at every budget measured, at level 0 in about PyVRP's
time (``docs/buses.md``). PyVRP and OR-Tools are optional (``pip install pyvrp ortools``, the ``bench`` extra) and
kept so the comparison can be run again.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata

import numpy as np

from layout.transport.problem import UNREACHABLE, RoutingProblem

__all__ = ["SOLVERS", "DISTRIBUTIONS", "MODULES", "solve", "library_version", "DEFAULT_SOLVER", "DEFAULT_EFFORT"]

DEFAULT_SOLVER = "vroom"
VROOM_THREADS = 2      # VROOM searches its heuristics in parallel threads; the answer does not depend on them
DISTRIBUTIONS = {"pyvrp": "pyvrp", "vroom": "pyvroom", "ortools": "ortools"}       # names on PyPI
MODULES = {"pyvrp": "pyvrp", "vroom": "vroom", "ortools": "ortools.constraint_solver.pywrapcp"}   # to import


def library_version(solver: str) -> str:
    """``"pyvrp 0.14.1"``: the library's name and installed version (``"?"`` when unknown)."""
    dist = DISTRIBUTIONS.get(solver, solver)
    try:
        return f"{dist} {metadata.version(dist)}"
    except metadata.PackageNotFoundError:
        return f"{dist} ?"


def _iterations(problem: RoutingProblem, effort: float) -> int:
    """PyVRP: iterations without improvement after which the search stops (``effort`` × stops, at least 50)."""
    return max(50, int(round(effort * problem.n_stops)))


def _fleet_sizes(problem: RoutingProblem):
    """Vehicles to offer a library that slows down with many idle ones: twice the seat-bound, doubled on failure."""
    n = problem.n_stops
    k = min(n, 2 * -(-int(problem.demand.sum()) // problem.capacity) + 2)
    while k < n:
        yield k
        k = min(n, 2 * k)
    yield n


def solve_pyvrp(problem: RoutingProblem, *, seed: int = 0, effort: float = 1.0) -> list[list[int]]:
    """Solve with PyVRP's iterated local search (deterministic for a seed: stopped by iteration counts)."""
    import pyvrp
    from pyvrp.stop import MaxIterations, MultipleCriteria, NoImprovement

    n = problem.n_stops
    locations = [pyvrp.Location(0, 0) for _ in range(n + 1)]
    depots = [pyvrp.Depot(location=0)]
    clients = [pyvrp.Client(location=j + 1, delivery=[int(problem.demand[j])], service_duration=problem.service,
                            tw_early=0, tw_late=int(problem.latest[j])) for j in range(n)]
    # the arc objective is passed as PyVRP's "distance" (one unit of cost per unit)
    vehicles = [pyvrp.VehicleType(num_available=n, capacity=[problem.capacity], fixed_cost=problem.vehicle_cost,
                                  unit_distance_cost=1)]
    data = pyvrp.ProblemData(locations, clients, depots, vehicles, [problem.cost], [problem.duration])
    no_gain = _iterations(problem, effort)
    stop = MultipleCriteria([NoImprovement(no_gain), MaxIterations(10 * no_gain)])
    result = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, display=False)
    best = result.best
    if not best.is_feasible():
        raise RuntimeError(f"PyVRP found no feasible routes for school {problem.school_id}")
    return [[int(a.idx) for a in r if _is_client(a)] for r in best.routes()]


def _is_client(activity) -> bool:
    flag = activity.is_client
    return bool(flag() if callable(flag) else flag)


def solve_vroom(problem: RoutingProblem, *, seed: int = 0, effort: float = 0.0) -> list[list[int]]:
    """Solve with VROOM at exploration level ``effort`` (rounded, 0 to 5; deterministic: no random numbers)."""
    import vroom

    n = problem.n_stops
    # VROOM's matrices are 32-bit: keep "no road" inside that range
    cap = np.iinfo(np.uint32).max // 4
    durations = np.ascontiguousarray(np.minimum(problem.duration, cap), dtype=np.uint32)
    costs = np.ascontiguousarray(np.minimum(problem.cost, cap), dtype=np.uint32)
    level = int(min(5, max(0, round(effort))))
    for k in _fleet_sizes(problem):
        inp = vroom.Input()
        inp.set_durations_matrix("car", durations)
        inp.set_costs_matrix("car", costs)
        for v in range(k):
            inp.add_vehicle(vroom.Vehicle(v, start=0, end=0, capacity=[problem.capacity],
                                          costs=vroom.VehicleCosts(fixed=problem.vehicle_cost)))
        for j in range(n):
            inp.add_job(vroom.Job(j + 1, location=j + 1, default_service=problem.service,
                                  delivery=[int(problem.demand[j])],
                                  time_windows=[vroom.TimeWindow(0, int(problem.latest[j]))]))
        sol = inp.solve(exploration_level=level, nb_threads=VROOM_THREADS)
        if not len(sol.unassigned):
            return _vroom_routes(sol)
    raise RuntimeError(f"VROOM left stops of school {problem.school_id} unassigned")


def _vroom_routes(sol) -> list[list[int]]:
    """Each used vehicle's stops (0-based, in visiting order) from a VROOM solution.

    Read from the solution's step array, which ``Solution.routes`` turns into a new pandas frame on every access
    (33 ms each, most of the routing time of a county); the public frame is the fallback when the array is not
    there in another pyvroom version.
    """
    raw = getattr(sol, "_routes_numpy", None)
    if raw is not None:
        steps = np.asarray(raw())
        job = steps["type"].astype("U9") == "job"
        vehicle, job_id = steps["vehicle_id"][job], steps["id"][job].astype(np.int64)
    else:
        frame = sol.routes
        frame = frame[frame["type"] == "job"]
        vehicle, job_id = frame["vehicle_id"].to_numpy(), frame["id"].to_numpy(np.int64)
    order = np.argsort(vehicle, kind="stable")   # steps are in visiting order within a vehicle
    vehicle, stops = vehicle[order], job_id[order] - 1
    cuts = np.flatnonzero(np.diff(vehicle)) + 1
    return [chunk.tolist() for chunk in np.split(stops, cuts) if len(chunk)]


def solve_ortools(problem: RoutingProblem, *, seed: int = 0, effort: float = 1.0) -> list[list[int]]:
    """Solve with OR-Tools routing: cheapest-arc start, guided local search for ``effort`` × (0.2 s + 10 ms a stop)."""
    for k in _fleet_sizes(problem):
        routes = _ortools(problem, k, effort)
        if routes is not None:
            return routes
    raise RuntimeError(f"OR-Tools found no routes for school {problem.school_id}")


def _ortools(problem: RoutingProblem, k: int, effort: float) -> list[list[int]] | None:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = problem.n_stops
    manager = pywrapcp.RoutingIndexManager(n + 1, k, 0)
    model = pywrapcp.RoutingModel(manager)
    cost = problem.cost
    dur = problem.duration
    service = problem.service
    demand = problem.demand

    def cost_cb(i, j):
        return int(cost[manager.IndexToNode(i), manager.IndexToNode(j)])

    def time_cb(i, j):
        a = manager.IndexToNode(i)
        return int(dur[a, manager.IndexToNode(j)]) + (service if a else 0)

    def demand_cb(i):
        a = manager.IndexToNode(i)
        return int(demand[a - 1]) if a else 0

    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitCallback(cost_cb))
    model.SetFixedCostOfAllVehicles(problem.vehicle_cost)
    model.AddDimensionWithVehicleCapacity(model.RegisterUnaryTransitCallback(demand_cb), 0,
                                          [problem.capacity] * k, True, "load")
    horizon = int(problem.latest.max() + 2 * service + int(dur[dur < UNREACHABLE].max(initial=0)))
    model.AddDimension(model.RegisterTransitCallback(time_cb), 0, horizon, True, "time")
    time_dim = model.GetDimensionOrDie("time")
    for j in range(n):
        time_dim.CumulVar(manager.NodeToIndex(j + 1)).SetRange(0, int(problem.latest[j]))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(50, int(effort * (200 + 10 * n))))
    sol = model.SolveWithParameters(params)
    if sol is None:
        return None
    routes = []
    for v in range(k):
        i = sol.Value(model.NextVar(model.Start(v)))
        r = []
        while not model.IsEnd(i):
            r.append(manager.IndexToNode(i) - 1)
            i = sol.Value(model.NextVar(i))
        if r:
            routes.append(r)
    return routes


DEFAULT_EFFORT = {"vroom": 0.0, "pyvrp": 1.0, "ortools": 1.0}   # measured in benchmarks/buses.py

SOLVERS: dict[str, Callable[..., list[list[int]]]] = {"pyvrp": solve_pyvrp, "vroom": solve_vroom,
                                                      "ortools": solve_ortools}


def solve(problem: RoutingProblem, solver: str = DEFAULT_SOLVER, *, seed: int = 0,
          effort: float | None = None) -> list[list[int]]:
    """Routes of one school's pooled stops by the named library (reversed order; see the module docstring).

    Parameters
    ----------
    problem : RoutingProblem
    solver : str
        ``"vroom"`` (default), ``"pyvrp"`` or ``"ortools"``.
    seed : int
        PyVRP's random seed (VROOM has no randomness; OR-Tools' search is bounded by time, not by a seed).
    effort : float, optional
        The search budget (default :data:`DEFAULT_EFFORT` of the library): VROOM runs at exploration level
        ``effort`` (rounded, 0–5; default 0, its fastest); PyVRP stops after ``effort`` × stops iterations
        without improvement (at least 50; default 1); OR-Tools searches for ``effort`` × (0.2 s + 10 ms a stop).

    Returns
    -------
    list of list of int

    Raises
    ------
    ImportError
        When the library is not installed (the caller degrades to the per-link estimate).
    RuntimeError
        When the library returns no feasible routes.
    """
    if solver not in SOLVERS:
        raise KeyError(f"unknown routing library {solver!r}; choose one of {sorted(SOLVERS)}")
    return SOLVERS[solver](problem, seed=seed, effort=DEFAULT_EFFORT[solver] if effort is None else effort)
