"""Write a synthetic county folder: ``python -m layout.datasets OUT_DIR [--villages N --townships T --seed S]``.

Without options it writes the bundled sample county (:data:`layout.datasets.SAMPLE_PARAMETERS`); that is how
``data/sample_county`` is made. A ``README.md`` saying the data are synthetic and how they were made is
written into the folder. Other files already in the folder (such as ``proposals/``) are kept.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from layout.datasets import SAMPLE_PARAMETERS, make_county
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

| | |
|---|---|
| villages (incl. county-town communities and township seats) | {villages} |
| townships | {townships} |
| schools | {schools} ({kinds}) |
| children of grades 1–3 / 4–6 / 7–9 | {g1_3} / {g4_6} / {g7_9} |
| village primaries and teaching points under 100 / under 50 pupils | {under100} / {under50} |
| road lines | {roads} ({roads_km} km) |

Files: `villages.csv`, `schools.csv` (UTF-8, lon/lat in CGCS2000), `roads.geojson`, `townships.geojson`,
`county.yaml`. How each part is generated and what it is calibrated to: `docs/sample_county.md`. Anything else
in this folder (such as `proposals/`) is written by hand and kept when the files above are regenerated.
"""


def write_readme(county, folder: Path, params: dict, is_sample: bool) -> Path:
    """Write the folder's README.md describing the synthetic county and the command that made it."""
    s = county.schools
    small = s[s["kind"].isin(["primary", "teaching_point"]) & ~s["name"].str.startswith("城关")]
    kinds = ", ".join(f"{k} {int(n)}" for k, n in s["kind"].value_counts().sort_index().items())
    opts = (f"--villages {params['n_villages']} --townships {params['n_townships']} --seed {params['seed']}")
    call = ", ".join(f"{k}={v!r}" for k, v in params.items())
    text = _README.format(
        name=county.name, lon=params["centre"][0], lat=params["centre"][1], command=f"python -m layout.datasets {folder.as_posix()}" + ("" if is_sample else f" {opts}"), call=call, sample=" = `layout.datasets.sample_county()`" if is_sample else "",
        villages=len(county.villages), townships=len(county.townships), schools=len(s), kinds=kinds,
        g1_3=int(county.villages["g1_3"].sum()), g4_6=int(county.villages["g4_6"].sum()),
        g7_9=int(county.villages["g7_9"].sum()),
        under100=int((small["enrolment"] < county.standards.small_school).sum()),
        under50=int((small["enrolment"] < county.standards.closure_pool_under).sum()),
        roads=len(county.roads), roads_km=round(float(county.roads.length.sum()) / 1000.0, 1))
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
    ap.add_argument("--villages", type=int, default=SAMPLE_PARAMETERS["n_villages"])
    ap.add_argument("--townships", type=int, default=SAMPLE_PARAMETERS["n_townships"])
    ap.add_argument("--seed", type=int, default=SAMPLE_PARAMETERS["seed"])
    args = ap.parse_args(argv)
    params = dict(SAMPLE_PARAMETERS, n_villages=args.villages, n_townships=args.townships, seed=args.seed)
    county = make_county(**params)
    write_into(county, args.out_dir)
    write_readme(county, args.out_dir, params, is_sample=params == SAMPLE_PARAMETERS)
    print(f"wrote {county!r} to {args.out_dir}")
    return args.out_dir


if __name__ == "__main__":
    main()
