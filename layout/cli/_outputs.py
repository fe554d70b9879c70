"""Decorators that make a command's ``--out`` a set written all at once (see :mod:`layout.io.output_set`).

``@writes_folder("out_dir", owns=...)`` runs the command with its ``out_dir`` argument pointing at a temporary
folder beside the real one, and swaps that folder in only when the command returned normally; what the
command printed is shown after the swap, with the temporary folder's name replaced by the real one (so the
paths printed are the paths written). ``@writes_file("out_path")`` checks a one-file output can be written
before the command computes anything, and removes the writer's temporary file on SIGTERM.

The command bodies stay as they are: they write into the folder they are given.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

__all__ = ["writes_folder", "writes_file"]


def writes_folder(param: str, *, owns: Iterable[str] = ()) -> Callable:
    """Run the command with ``param`` set to a temporary folder that replaces ``--out`` on success.

    Parameters
    ----------
    param : str
        Name of the command's argument holding the ``--out`` folder.
    owns : iterable of str
        File-name patterns of the command's own outputs (see :func:`layout.io.output_set.output_folder`).
    """
    owns = tuple(owns)

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            from layout.io.output_set import output_folder

            final = Path(kwargs[param])
            buffer = io.StringIO()
            with output_folder(final, owns=owns) as tmp:
                kwargs[param] = str(tmp)
                try:
                    with contextlib.redirect_stdout(buffer):
                        result = fn(*args, **kwargs)
                except BaseException:
                    _flush(buffer, tmp, final)   # what was printed before the failure, then the error
                    raise
            _flush(buffer, tmp, final)
            return result

        return wrapper

    return deco


def _flush(buffer: io.StringIO, tmp: Path, final: Path) -> None:
    text = buffer.getvalue().replace(str(tmp), str(final))
    buffer.seek(0)
    buffer.truncate()
    if text:
        click.echo(text, nl=False, file=sys.stdout)


def writes_file(param: str) -> Callable:
    """Check the one-file output ``param`` is writable before the command runs (see
    :func:`layout.io.output_set.output_file`)."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            from layout.io.output_set import output_file

            with output_file(kwargs[param]):
                return fn(*args, **kwargs)

        return wrapper

    return deco
