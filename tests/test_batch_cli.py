"""Province runs (every county folder under a directory) and the ``layout batch`` command."""

from __future__ import annotations

import pandas as pd

from layout.batch import evaluate_counties, write_random_proposals
from tests.test_batch import BROKEN
from tests.test_evaluate_fixtures import random_county


def test_counties_and_cli(tmp_path):
    from layout.cli import main

    province = tmp_path / "province"
    for k, seed in enumerate((21, 22)):
        c = random_county(seed, n_villages=10, n_schools=5)
        c.to_folder(province / f"county_{k}")
        write_random_proposals(c, province / f"county_{k}" / "proposals", 2, seed=seed)
    (province / "county_0" / "proposals" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    res = evaluate_counties(province, "proposals", processes=1, progress=False)
    assert res.table["county"].tolist() == ["county_0"] * 3 + ["county_1"] * 2
    assert res.table.groupby("county")["rank"].max().tolist() == [2, 2]   # ranked within each county
    gen = evaluate_counties(province, "generated:3", processes=1, progress=False)
    assert len(gen.table) == 6 and (gen.table["status"] == "ok").all()

    out = tmp_path / "out" / "province.csv"
    assert main(["batch", "--counties", str(province), "proposals", "--out", str(out), "--quiet",
                 "--processes", "1"]) == 0
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert len(t) == 5 and (t["status"] == "invalid").sum() == 1
    one = tmp_path / "one.xlsx"
    assert main(["batch", str(province / "county_1"), str(province / "county_1" / "proposals"), "--out", str(one),
                 "--quiet", "--goal", "cost", "--lang", "zh", "--processes", "1"]) == 0
    assert pd.read_excel(one)["排名"].tolist() in ([1, 2], [2, 1])
    assert (tmp_path / ".one-cache").is_dir()
    assert main(["batch", str(province / "county_1"), str(tmp_path / "missing"), "--out", str(one)]) == 2
