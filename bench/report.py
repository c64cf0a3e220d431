"""Turn the JSON lines written by bench/run.py into bench/RESULTS.md (stdout)."""

import json
import platform
import subprocess
import sys
from datetime import UTC, datetime


def ms(figure):
    return (
        f"{figure['median'] * 1000:.1f} ms "
        f"({figure['min'] * 1000:.1f}–{figure['max'] * 1000:.1f}, n={figure['n']})"
    )


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if "model name" in line
            )
    except (OSError, StopIteration):
        pass
    try:
        pg = subprocess.run(
            ["psql", "-Atc", "show server_version"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        pg = "?"
    python = platform.python_version()
    return f"{cpu}, {platform.machine()}, Python {python}, PostgreSQL {pg}"


def main(path):
    with open(path) as lines:
        runs = [json.loads(line) for line in lines if line.strip()]
    out = [
        "# Benchmark results",
        "",
        (
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, "
            "by `bench/run_suite.sh` (generator `bench/generate.py`, runner "
            "`bench/run.py`). Every figure: median (min–max, n runs), all figures "
            "of a size measured in one run on the same database."
        ),
        "",
        "| workload | " + " | ".join(run["label"] for run in runs) + " |",
        "| --- | " + " | ".join("---" for _ in runs) + " |",
        "| customers / move lines | "
        + " | ".join(f"{r['customers']} / {r['move_lines']}" for r in runs)
        + " |",
        "| bare SQL aggregate of open receivables (floor) | "
        + " | ".join(ms(r["bare_sql_aggregate"]) for r in runs)
        + " |",
        "| exposure figures of every customer (3 grouped queries) | "
        + " | ".join(ms(r["exposure_all"]) for r in runs)
        + " |",
        "| exposure ÷ floor | "
        + " | ".join(f"{r['exposure_vs_floor']:.1f}×" for r in runs)
        + " |",
        "| full re-rating of every customer (reviews, factors, writes, warnings) | "
        + " | ".join(ms(r["rerate_all"]) for r in runs)
        + " |",
        "| re-rating ÷ floor | "
        + " | ".join(f"{r['rerate_vs_floor']:.0f}×" for r in runs)
        + " |",
        "| peak RSS of the process after re-rating | "
        + " | ".join(f"{r['rerate_peak_rss_mb']:.0f} MB" for r in runs)
        + " |",
        "| confirm-time check, partner with fewest lines | "
        + " | ".join(
            f"{ms(r['confirm_check_small'])}, {r['confirm_check_small_lines']} lines"
            for r in runs
        )
        + " |",
        "| confirm-time check, partner with most lines | "
        + " | ".join(
            f"{ms(r['confirm_check_large'])}, {r['confirm_check_large_lines']} lines"
            for r in runs
        )
        + " |",
        "",
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
