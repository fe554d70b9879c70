"""``layout check COUNTY_DIR``: validate a county folder and print its summary."""

from __future__ import annotations

import json

import click

from layout.i18n import DEFAULT_LANG, LANGS

__all__ = ["check"]


@click.command("check")
@click.argument("county_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True, help="Language of labels.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of a table.")
@click.option("--write-attendance", "attendance_out", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Write today's attendance (given, or inferred from the rolls) to this CSV, to look at and correct.")
def check(county_dir: str, lang: str, as_json: bool, attendance_out: str | None) -> None:
    """Validate COUNTY_DIR and print villages, children by band, schools by kind, small schools,
    seats, beds, boarders, bus riders and teachers, today's attendance (from the attendance file, or inferred
    from the rolls) with the differences between the rolls and the villages, and a per-township table.
    Problems are listed with file, row and column; exit 2."""
    from layout.attendance import attendance_today
    from layout.io.read import read_county
    from layout.summary import county_summary, format_summary

    county = read_county(county_dir)
    attendance = attendance_today(county)
    summary = county_summary(county, attendance)
    if attendance_out:
        from layout.io.write import atomic_write_text

        table = attendance.table.sort_values(["school_id", "village_id", "grade", "mode"])
        atomic_write_text(attendance_out, table.to_csv(index=False))
    if as_json:
        summary = dict(summary, by_township=summary["by_township"].reset_index().to_dict(orient="records"))
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(format_summary(summary, lang))
