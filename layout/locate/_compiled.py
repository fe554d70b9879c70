"""The compiled (numba) kernels, loaded on first use rather than when :mod:`layout.locate` is imported.

The kernels in ``_pmedian_kernels``, ``_capacitated_kernels``, ``_knapsack_kernels`` and ``_relocate_kernels`` have explicit
signatures, so importing one of those modules compiles all its kernels (or loads them from numba's on-disk
cache). On a cold cache (a fresh install, CI) that took 37-60 s on a loaded 2-core machine. Imported at the top
of the modules that use them, every ``import layout`` that reached :mod:`layout.locate` paid it, even a
``layout plan`` that never runs the capacitated solver. Now the modules that call a kernel import it inside
the function, and the public solvers call :func:`load_kernels` *before* their clock starts, so a solve given
10 s still reports about 10 s and the compile time is reported on its own (``extra["compile_seconds"]`` and a
note in ``Solution.explanation``, see :func:`layout.locate.solution.with_compile_time`).
"""

from __future__ import annotations

import importlib
import sys
import time

__all__ = ["KERNEL_MODULES", "load_kernels"]

#: The kernel modules, by the name a solver asks for.
KERNEL_MODULES = {
    "pmedian": "layout.locate._pmedian_kernels",
    "capacitated": "layout.locate._capacitated_kernels",
    "knapsack": "layout.locate._knapsack_kernels",
    "relocate": "layout.locate._relocate_kernels",
}


def load_kernels(*groups: str) -> float:
    """Import (compile, or load from numba's cache) the kernel modules named; return the seconds it took.

    Parameters
    ----------
    *groups : str
        Keys of :data:`KERNEL_MODULES`; all of them when none is given.

    Returns
    -------
    float
        Seconds spent; 0.0 when every module was already loaded in this process.

    Example
    -------
    >>> seconds = load_kernels("pmedian")
    >>> load_kernels("pmedian")
    0.0
    """
    names = [KERNEL_MODULES[g] for g in (groups or tuple(KERNEL_MODULES))]
    missing = [name for name in names if name not in sys.modules]
    if not missing:
        return 0.0
    t0 = time.perf_counter()
    for name in missing:
        importlib.import_module(name)
    return time.perf_counter() - t0

