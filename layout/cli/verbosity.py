"""``--quiet`` / ``--verbose`` for commands: progress bars, and log messages on stderr.

Without either flag a command shows progress bars on long steps and only warnings from the logs. ``-q``
hides the bars too; ``-v`` prints what the library logs at INFO level (networks built, searches, cache use,
proposals evaluated) and ``-vv`` the DEBUG details.

Example
-------
>>> import click
>>> @click.command()
... @verbosity_options
... def demo(quiet, verbose):
...     click.echo(f"progress bars: {configure_logging(quiet, verbose)}")
>>> from click.testing import CliRunner
>>> CliRunner().invoke(demo, ["-q"]).output
'progress bars: False\\n'
"""

from __future__ import annotations

import logging
import sys

import click

__all__ = ["verbosity_options", "configure_logging"]

_FORMAT = "%(asctime)s %(name)s: %(message)s"


def verbosity_options(command):
    """Add ``-q/--quiet`` and ``-v/--verbose`` (repeatable) to a click command (parameters ``quiet``, ``verbose``)."""
    command = click.option("-v", "--verbose", count=True,
                           help="Print what is being done on stderr (-vv: more detail).")(command)
    return click.option("-q", "--quiet", is_flag=True, help="No progress bars; only warnings.")(command)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests and notebooks replace it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):   # StreamHandler.__init__ sets it; the property always answers sys.stderr
        pass


def configure_logging(quiet: bool, verbose: int) -> bool:
    """Send the ``layout`` loggers to stderr at the level asked for; return whether to show progress bars.

    Inside a click command the loggers are put back as they were when the command ends.

    Parameters
    ----------
    quiet : bool
    verbose : int
        0: warnings only, 1: INFO, 2 or more: DEBUG.

    Returns
    -------
    bool
        ``not quiet``.
    """
    if quiet and verbose:
        raise click.UsageError("give --quiet or --verbose, not both")
    logger = logging.getLogger("layout")
    previous = logger.level
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG))
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        def restore() -> None:
            logger.removeHandler(handler)
            logger.setLevel(previous)

        ctx.call_on_close(restore)
    return not quiet
