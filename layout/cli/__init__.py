"""The ``layout`` command line. Each command lives in its own module and is loaded only when used.

Bad input (:class:`layout.errors.LayoutInputError`) is printed as a list of problems naming file, row and
column, without a traceback, and the command exits with status 2. So are file-system errors (``OSError``: a
file that cannot be read, a folder that cannot be written) and wrong types met while reading the input
(``TypeError``): they are caught here, at the boundary, never silenced inside the library. Set
``LAYOUT_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from layout.errors import LayoutInputError

__all__ = ["main", "cli"]

# name -> (module, attribute, one-line help). Modules are imported lazily so `layout --help` stays fast.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("layout.cli.check", "check", "Validate a county folder and print its summary."),
    "travel": ("layout.cli.travel", "travel_cmd", "Village × school travel times by walking or school bus."),
    "evaluate": ("layout.cli.evaluate", "evaluate_cmd", "Evaluate the status quo or a proposal."),
    "plan": ("layout.cli.plan", "plan_cmd", "Recommend a layout: closures, mergers, boarding, new sites."),
    "map": ("layout.cli.maps", "map_cmd", "Write an interactive offline HTML map of a county or proposal."),
    "report": ("layout.cli.report", "report_cmd", "Write the committee report (HTML + Excel)."),
    "batch": ("layout.cli.batch", "batch_cmd", "Evaluate many proposals (locally or on a Dask cluster)."),
    "explore": ("layout.cli.explore", "explore_cmd", "What-if planning on a map, served on 127.0.0.1 (Voilà)."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (module, _, _) in COMMANDS.items() if importlib.util.find_spec(module)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="layout")
def cli() -> None:
    """layout — school-layout consolidation planning with GIS analysis.

    Road-network travel times, allocation under the national rules, evaluation, recommendations,
    offline maps and reports for county education bureaus.
    """


def _skip_unused_format_checkers() -> None:
    """Keep jsonschema from loading ``rfc3987_syntax`` (installed alongside Jupyter), which compiles 38 grammars at
    import — about 3 s of every command — for an IRI format check no schema of ours uses. Only the command-line
    process is changed; the library leaves a notebook's imports alone."""
    sys.modules.setdefault("rfc3987_syntax", None)   # None: `import rfc3987_syntax` raises ImportError


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; bad input exits 2 with a readable list of problems, never a traceback."""
    _skip_unused_format_checkers()
    try:
        cli.main(args=argv, prog_name="layout", standalone_mode=False)
    except LayoutInputError as err:
        click.echo(_terminal_safe(err.format()), err=True)
        return 2
    except (OSError, TypeError) as err:
        if os.environ.get("LAYOUT_DEBUG"):
            raise
        click.echo(_terminal_safe(_plain_error(err)), err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except click.exceptions.Exit as err:
        return err.exit_code
    return 0


def _plain_error(err: BaseException) -> str:
    """One message for an OSError/TypeError reaching the command line, with what to do."""
    if isinstance(err, OSError):
        where = err.filename or ""
        what = err.strerror or str(err)
        fix = {13: "check you may read it / write there (permissions)", 2: "check the path",
               28: "free some disk space", 30: "choose a writable place for --out",
               20: "a part of the path is a file, not a folder"}.get(err.errno or 0, "check the path and permissions")
        return f"error: {what}" + (f": {where}" if where else "") + f" — fix: {fix}"
    return (f"error: {err} — fix: check the types of the values given (text, numbers, lists); "
            "set LAYOUT_DEBUG=1 to see where it happened")


def _terminal_safe(text: str) -> str:
    """Text from input files shown in the terminal without escape sequences or bidi overrides."""
    from layout.io.safe_text import clean_text

    return "\n".join(clean_text(line) for line in text.split("\n"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def run() -> None:  # console-script entry point
    sys.exit(main())
