"""Progress bars that suit where the code runs: a widget in Jupyter, text on stderr in a terminal.

In a Jupyter kernel with ipywidgets installed the bar is tqdm's notebook widget (a display in the cell, not text
on the cell's stderr, which a notebook shows as an alarming red box); everywhere else it is tqdm's text bar on
stderr. Without ipywidgets a notebook gets the text bar, with no warning about the missing widget library.
Inside :func:`progress_disabled` (a batch's worker processes, whose stderr a kernel would show in the cell beside
the batch's own bar) no bar is drawn.

Example
-------
>>> import io
>>> screen = io.StringIO()                    # outside Jupyter: the text bar (here into a string, not stderr)
>>> with progress_bar(total=3, desc="searches", file=screen) as bar:
...     _ = bar.update(3)
>>> "searches: 100%" in screen.getvalue()
True
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["progress_bar", "progress_disabled"]

_DISABLED = False


@contextmanager
def progress_disabled() -> Iterator[None]:
    """No progress bar is drawn in this block (bars created in it are disabled).

    Example
    -------
    >>> with progress_disabled():
    ...     progress_bar(total=3).disable
    True
    """
    global _DISABLED
    before, _DISABLED = _DISABLED, True
    try:
        yield
    finally:
        _DISABLED = before


def _in_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:   # IPython half imported or too old: treat as a terminal
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def progress_bar(**kwargs: Any):
    """A ``tqdm`` bar (same keyword arguments): the notebook widget inside a Jupyter kernel when ipywidgets is
    installed, the text bar on stderr otherwise.

    Parameters
    ----------
    **kwargs
        Passed to ``tqdm`` (``total``, ``desc``, ``unit``, ``disable``, ``delay``, ``leave`` …).

    Returns
    -------
    tqdm.tqdm
    """
    if _DISABLED:
        kwargs["disable"] = True
    if _in_kernel():
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar needs it)
            from tqdm.notebook import tqdm as notebook_tqdm
        except ImportError:
            pass
        else:
            return notebook_tqdm(**kwargs)
    from tqdm import tqdm

    return tqdm(**kwargs)
