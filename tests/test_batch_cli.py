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
    res = evaluate_counties(province, "proposals", n_jobs=1, progress=False)
    assert res.table["county"].tolist() == ["county_0"] * 3 + ["county_1"] * 2
    assert res.table.groupby("county")["rank"].max().tolist() == [2, 2]   # ranked within each county
    gen = evaluate_counties(province, "generated:3", n_jobs=1, progress=False)
    assert len(gen.table) == 6 and (gen.table["status"] == "ok").all()

    out = tmp_path / "out" / "province.csv"
    assert main(["batch", "--counties", str(province), "proposals", "--out", str(out), "--quiet"]) == 0
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert len(t) == 5 and (t["status"] == "invalid").sum() == 1
    one = tmp_path / "one.xlsx"
    assert main(["batch", str(province / "county_1"), str(province / "county_1" / "proposals"), "--out", str(one),
                 "--quiet", "--goal", "cost", "--lang", "zh", "-j", "1"]) == 0
    assert pd.read_excel(one)["排名"].tolist() in ([1, 2], [2, 1])
    assert (tmp_path / ".one-cache").is_dir()
    assert main(["batch", str(province / "county_1"), str(tmp_path / "missing"), "--out", str(one)]) == 2


def test_jobs_and_verbose(tmp_path, capsys):
    from layout.cli import main

    c = random_county(23, n_villages=10, n_schools=5)
    c.to_folder(tmp_path / "county")
    write_random_proposals(c, tmp_path / "county" / "proposals", 2, seed=3)
    out = tmp_path / "r.csv"
    args = ["batch", str(tmp_path / "county"), str(tmp_path / "county" / "proposals"), "--out", str(out), "--no-cache"]
    assert main([*args, "-v"]) == 0
    err = capsys.readouterr().err
    assert "2 proposals, 0 from the cache, 2 to evaluate (inline)" in err          # one job by default
    assert main([*args, "-vv", "--processes", "1"]) == 0                            # the former option name
    err = capsys.readouterr().err
    assert err.count(" ok in ") == 2 and "(inline)" in err
    assert main([*args, "-j", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err
