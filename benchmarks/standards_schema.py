"""Benchmark: checking a standards override with jsonschema (what ``layout`` uses) vs pydantic, both with the
schema derived at run time from ``national.yaml`` (unknown keys forbidden, types strict).

Measured in the same run, medians of repeats:

* build: derive the schema/model from the national data (jsonschema: a dict → ``Draft202012Validator``;
  pydantic: nested ``create_model`` with ``extra="forbid"`` and strict types);
* valid: check a small valid override (what every ``read_county`` does);
* invalid: check an override with 6 mistakes and collect every error.

Baseline: jsonschema. Pydantic is not a dependency of ``layout``; install it anywhere on ``sys.path`` to
measure it (``pip install --target /tmp/pydtest pydantic`` and ``PYTHONPATH=/tmp/pydtest``), else only
jsonschema is timed.

Usage: ``.venv/bin/python benchmarks/standards_schema.py [--repeats N]``. Writes
``benchmarks/results/standards_schema.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

VALID = {"travel": {"walk_limit_minutes": {"g1_3": 25}, "may_bus": {"g1_3": False}},
         "costs": {"per_student_funds": {"primary": 1200, "middle": 1600}}}
INVALID = {"travel": {"walk_limit_minute": {"g1_3": 25}, "may_bus": {"g1_3": "perhaps"}},
           "modes": {"walk": {"speed_kmh": -4}}, "class_size": {"limit": {"primary": "banana"}},
           "costs": {"poor_boarder_share": 1.5, "bus_seats": 35.5}}


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def jsonschema_case(national: dict):
    from layout.standards import validation

    def build():
        validation._schema_for.cache_clear()
        return validation._schema_for(validation._key(national))

    build()

    def check(ov):
        return validation.check_override(ov, "bench", None, national)

    return build, check


def pydantic_case(national: dict):
    from pydantic import ConfigDict, ValidationError, create_model

    def model_of(name: str, value: dict):
        fields = {}
        for k, v in value.items():
            if isinstance(v, dict):
                t = model_of(f"{name}_{k}", v) if v else dict
            elif isinstance(v, bool):
                t = bool
            elif isinstance(v, int | float):
                t = float
            elif isinstance(v, str):
                t = str
            elif isinstance(v, list):
                t = list
            else:
                t = object
            fields[str(k)] = (t | None, None)
        return create_model(name, __config__=ConfigDict(extra="forbid", strict=True), **fields)

    def build():
        return model_of("Standards", national)

    model = build()

    def check(ov):
        try:
            model.model_validate(ov)
            return []
        except ValidationError as exc:
            return exc.errors()

    return build, check


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    from layout.standards import national_data

    national = national_data()
    cases = {"jsonschema": jsonschema_case(national)}
    try:
        cases["pydantic"] = pydantic_case(national)
    except ImportError:
        print("pydantic not installed: timing jsonschema only")
    rows = []
    for name, (build, check) in cases.items():
        n_errors = len(check(INVALID))
        rows.append((name, _median(build, max(3, args.repeats // 5)), _median(lambda c=check: c(VALID), args.repeats),
                     _median(lambda c=check: c(INVALID), args.repeats), n_errors))
    base = rows[0]
    load = os.getloadavg()[0]
    lines = [f"# Standards schema: jsonschema vs pydantic ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)", "",
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average {load:.2f}; "
             f"medians of {args.repeats} repeats (build: {max(3, args.repeats // 5)}).", "",
             "| library | build schema (ms) | valid override (ms) | invalid override (ms) | errors found (of 6) | "
             "valid / baseline |", "|---|---|---|---|---|---|"]
    for name, b, v, i, n in rows:
        lines.append(f"| {name} | {b * 1e3:.2f} | {v * 1e3:.3f} | {i * 1e3:.3f} | {n} | {v / base[2]:.2f} |")
    lines += ["", "jsonschema's count includes the range rules of layout.standards.rules (negative speed, share above 1, "
              "fractional seats); the pydantic model derived from the same data checks keys and types only — range "
              "rules would need validators written per key."]
    text = "\n".join(lines) + "\n"
    print(text)
    out = HERE / "results" / "standards_schema.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
