"""Write a synthetic county folder: ``python -m layout.datasets OUT_DIR [--flagship] [--villages N --townships T
--seed S]``.

Without options it writes the bundled sample county (:data:`layout.datasets.SAMPLE_PARAMETERS`); that is how
``data/sample_county`` is made. ``--flagship`` writes the county generated to resemble the reports' flagship
county (:data:`layout.datasets.FLAGSHIP_PARAMETERS`). A ``README.md`` saying the data are synthetic, how they were
made and what is in them is written into the folder. Other files already in the folder (such as ``proposals/``)
are kept.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from layout.datasets import FLAGSHIP_PARAMETERS, SAMPLE_PARAMETERS, make_county
from layout.datasets.describe import describe_markdown
from layout.io.write import atomic_write_text, write_county

_README = """# {name} — a synthetic county (合成示例数据)

**Everything in this folder is made up.** No real county, township, village or school is described; names
are plausible but invented, and the coordinates only place the county in a plausible mountain setting
(around {lon:.2f}°E, {lat:.2f}°N). Use it to try `layout`, never as facts about any place.

It was written by the deterministic generator in the package:

```
{command}
```

i.e. `layout.datasets.make_county({call})`{sample}. The same command always writes the same files.

{table}

Files: `villages.csv`, `schools.csv` (UTF-8, lon/lat in CGCS2000), `attendance.csv` (who attends which school
today: home village, school, grade, band, mode walk/bus/board, pupils; a blank `village_id` is a pupil without a
home village in the county), `candidates.csv` (sites offered for new schools), `roads.geojson`,
`townships.geojson`, `county.yaml`. Every school's `enrol_*`, `boarders` and `bus_riders` are the sums of its
attendance rows, and every village's children by grade are on exactly one school's roll. How each part is
generated, what it is calibrated to and what a planner should find in it: `docs/sample_county.md`. Anything else
in this folder (such as `proposals/`) is written by hand and kept when the files above are regenerated.
"""


def write_readme(county, folder: Path, params: dict, is_sample: bool, flag: str = "") -> Path:
    """Write the folder's README.md describing the synthetic county, the command that made it and its figures."""
    base = SAMPLE_PARAMETERS if not flag else FLAGSHIP_PARAMETERS
    opts = " ".join(f"--{k} {params[key]}" for k, key in (("villages", "n_villages"), ("townships", "n_townships"),
                                                          ("seed", "seed")) if params[key] != base[key])
    command = " ".join(x for x in (f"python -m layout.datasets {folder.as_posix()}", flag, opts) if x)
    call = ", ".join(f"{k}={v!r}" for k, v in params.items())
    text = _README.format(
        name=county.name, lon=params["centre"][0], lat=params["centre"][1], command=command, call=call,
        sample=" = `layout.datasets.sample_county()`" if is_sample else "", table=describe_markdown(county))
    path = atomic_write_text(folder / "README.md", text)
    os.chmod(path, 0o644)
    return path


def write_into(county, folder: Path) -> Path:
    """Write the county's files into ``folder``, replacing each one atomically and keeping every other file.

    ``write_county`` replaces a whole folder; the sample folder also holds files that are not generated (e.g.
    ``proposals/``), so the generated files are written to a temporary sibling and moved in one by one.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{folder.name}.", dir=folder.parent) as tmp:
        written = write_county(county, Path(tmp) / "county")
        for f in sorted(written.iterdir()):
            os.replace(f, folder / f.name)
    return folder


def main(argv: list[str] | None = None) -> Path:
    ap = argparse.ArgumentParser(prog="python -m layout.datasets", description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path, help="folder to write (its county files are replaced, others kept)")
    ap.add_argument("--flagship", action="store_true",
                    help="the county resembling the reports' flagship county (FLAGSHIP_PARAMETERS)")
    ap.add_argument("--villages", type=int, default=None)
    ap.add_argument("--townships", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)
    base = FLAGSHIP_PARAMETERS if args.flagship else SAMPLE_PARAMETERS
    params = dict(base)
    for key, value in (("n_villages", args.villages), ("n_townships", args.townships), ("seed", args.seed)):
        if value is not None:
            params[key] = value
    county = make_county(**params)
    write_into(county, args.out_dir)
    write_readme(county, args.out_dir, params, is_sample=params == SAMPLE_PARAMETERS,
                 flag="--flagship" if args.flagship else "")
    print(f"wrote {county!r} to {args.out_dir}")
    return args.out_dir


if __name__ == "__main__":
    main()
