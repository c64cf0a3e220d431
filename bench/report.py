"""Turn the JSON lines written by bench/run_suite.sh into bench/RESULTS.md (stdout)."""

import functools
import json
import platform
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime

SIZE_ORDER = {"S": 0, "M": 1, "L": 2}
ANALYSIS = "bench/ANALYSIS.md"  # hand-written: why a target is missed, what was done


def ms(figure):
    if not figure:
        return "–"
    return (
        f"{figure['median'] * 1000:.1f} ms "
        f"({figure['min'] * 1000:.1f}–{figure['max'] * 1000:.1f}, n={figure['n']})"
    )


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            lines = info.readlines()
        cpu = next(
            line.split(":", 1)[1].strip() for line in lines if "model name" in line
        )
        cpu += f", {sum(1 for line in lines if line.startswith('processor'))} cores"
    except (OSError, StopIteration):
        pass
    try:
        pg = subprocess.run(
            ["psql", "-XAtc", "show server_version", "-d", "postgres"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        pg = "?"
    return (
        f"{cpu}, {platform.machine()}, Python {platform.python_version()}, "
        f"PostgreSQL {pg}"
    )


def median(runs, mode, key):
    """Median of workload ``key`` measured in ``mode`` (None if not measured)."""
    figure = runs.get(mode, {}).get(key)
    return figure["median"] if figure else None


def ratio(a, b, fmt="{:.1f}×"):
    return fmt.format(a / b) if a and b else "–"


def overhead(a, b):
    return f"{(a / b - 1) * 100:+.1f} %" if a and b else "–"


def row(*cells):
    return "| " + " | ".join(cells) + " |"


def size_table(label, runs, timings):
    ours, oca, bare = (runs.get(m, {}) for m in ("ours", "oca", "bare"))
    rss = runs.get("rss") or ours

    med = functools.partial(median, runs)

    floor = med("ours", "bare_sql_aggregate")
    generated = timings.get("generate") or next(
        (r["generate_seconds"] for r in runs.values() if r.get("generate_seconds")),
        "?",
    )
    intro = (
        f"Generated in {generated} s; credit_management "
        f"installed on it in {timings.get('install_ours', '?')} s, OCA "
        f"sale_financial_risk in {timings.get('install_oca', '?')} s. Small "
        f"partner: {ours.get('small_partner_lines')} move lines "
        f"({ours.get('small_partner_open')} open); huge partner: "
        f"{ours.get('large_partner_lines')} move lines "
        f"({ours.get('large_partner_open')} open)."
    )
    rerate_ratios = "; ".join(
        (
            f"ours ÷ floor {ratio(med('ours', 'rerate_all'), floor, '{:.0f}×')}",
            f"OCA ÷ floor {ratio(med('oca', 'oca_risk_all'), floor)}",
            "ours ÷ OCA "
            + ratio(med("ours", "rerate_all"), med("oca", "oca_risk_all")),
        )
    )
    rows = [
        (
            f"## Size {label}: {ours.get('customers', '?')} customers, "
            f"{ours.get('move_lines', '?')} move lines"
        ),
        "",
        intro,
        "",
        row(
            "workload",
            "ours (credit_management)",
            "OCA financial risk",
            "bare Odoo / bare SQL",
            "ratios",
        ),
        "| --- | --- | --- | --- | --- |",
        row(
            "floor: one grouped pass over open receivables (psql)",
            ms(ours.get("bare_sql_aggregate")),
            ms(oca.get("bare_sql_aggregate")),
            ms(bare.get("bare_sql_aggregate")),
            "–",
        ),
        row(
            "exposure figures of every customer",
            ms(ours.get("exposure_all")),
            "–",
            "–",
            f"ours ÷ floor {ratio(med('ours', 'exposure_all'), floor)}",
        ),
        row(
            "read side of the re-rating: every factor value and score, no writes "
            "— OCA: recompute of its risk fields",
            ms(ours.get("score_all")),
            ms(oca.get("oca_risk_all")),
            "–",
            f"ours ÷ floor {ratio(med('ours', 'score_all'), floor)}; OCA ÷ ours "
            + ratio(med("oca", "oca_risk_all"), med("ours", "score_all")),
        ),
        row(
            "full re-rating of every customer (reviews, 8 factor lines, grade and "
            "limit writes, warnings) — OCA: recompute of its risk fields",
            ms(ours.get("rerate_all")),
            ms(oca.get("oca_risk_all")),
            "–",
            rerate_ratios,
        ),
        row(
            "peak RSS of a process that only re-rates every customer (batches of "
            "500; before the re-rating in brackets)",
            f"{rss.get('rerate_peak_rss_mb', 0):.0f} MB "
            f"({rss.get('rss_before_rerate_mb', 0):.0f} MB)",
            "–",
            "–",
            "–",
        ),
    ]
    large_small = (
        f"large ÷ small: ours "
        f"{ratio(med('ours', 'confirm_check_large'), med('ours', 'confirm_check_small'), '{:.2f}')}"  # noqa: E501
        f", OCA "
        f"{ratio(med('oca', 'confirm_check_large'), med('oca', 'confirm_check_small'), '{:.2f}')}"  # noqa: E501
    )
    for name in ("small", "large"):
        rows.append(
            row(
                f"confirm-time credit check, {name} partner (order, customer and "
                "company already loaded, as in action_confirm)",
                ms(ours.get(f"confirm_check_{name}")),
                ms(oca.get(f"confirm_check_{name}")),
                "–",
                large_small if name == "large" else "–",
            )
        )
    for name in ("small", "large"):
        rows.append(
            row(
                f"same check, {name} partner, whole ORM cache emptied first",
                ms(ours.get(f"confirm_check_{name}_cold")),
                ms(oca.get(f"confirm_check_{name}_cold")),
                "–",
                "–",
            )
        )
    for key, title in (
        ("action_confirm_small", "action_confirm as a whole, small partner"),
        ("action_confirm_large", "action_confirm as a whole, huge partner"),
    ):
        rows.append(
            row(
                title,
                ms(ours.get(key)),
                ms(oca.get(key)),
                ms(bare.get(key)),
                f"vs bare: ours {overhead(med('ours', key), med('bare', key))}, "
                f"OCA {overhead(med('oca', key), med('bare', key))}",
            )
        )
    extra = runs.get("overhead", {})
    for key, title in (
        ("post_invoice", "post an invoice (interleaved rounds, bench/overhead.py)"),
        ("register_payment", "register its payment (same rounds)"),
    ):
        figures = {mode: extra.get(f"{key}_{mode}") for mode in ("ours", "oca", "bare")}
        medians = {mode: f["median"] if f else None for mode, f in figures.items()}
        rows.append(
            row(
                title,
                ms(figures["ours"]),
                ms(figures["oca"]),
                ms(figures["bare"]),
                f"vs bare: ours {overhead(medians['ours'], medians['bare'])}, "
                f"OCA {overhead(medians['oca'], medians['bare'])}",
            )
        )
    counts = extra.get("queries") or {}
    if counts:
        rows.append(
            row(
                "SQL queries of one post + payment (counted, not timed)",
                str(counts.get("ours", "–")),
                str(counts.get("oca", "–")),
                str(counts.get("bare", "–")),
                f"ours {counts.get('ours', 0) - counts.get('bare', 0):+d}, "
                f"OCA {counts.get('oca', 0) - counts.get('bare', 0):+d}",
            )
        )
    rows += [
        row(
            "aging report, pivot by customer (all buckets)",
            ms(ours.get("aging_by_customer")),
            "–",
            "–",
            "–",
        ),
        row("aging report, grand total", ms(ours.get("aging_total")), "–", "–", "–"),
        "",
    ]
    return rows


def main(path):
    runs = defaultdict(dict)
    timings = defaultdict(dict)
    with open(path) as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            if "timing" in record:
                timings[record["label"]][record["timing"]] = record["seconds"]
            else:
                runs[record["label"]][record["mode"]] = record
    out = [
        "# Benchmark results",
        "",
        (
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by "
            "`bench/run_suite.sh` (generator `bench/generate.py`, runner "
            "`bench/run.py`, this table by `bench/report.py`). Every figure: median "
            "(min–max, n runs); all figures of a size measured in one suite run, on "
            "three copies of the same generated database (ours, OCA, bare Odoo)."
        ),
        "",
    ]
    labels = sorted(runs, key=lambda x: SIZE_ORDER.get(x, 9))
    for label in labels:
        out += size_table(label, runs[label], timings[label])
    out += targets(runs, labels[-1]) if labels else []
    try:
        with open(ANALYSIS) as analysis:
            out += ["", analysis.read().rstrip()]
    except OSError:
        pass
    print("\n".join(out))


def targets(runs, label):
    """The benchmark issue's targets, checked on the largest size measured."""
    size = runs[label]

    med = functools.partial(median, size)

    def verdict(ok):
        return "**met**" if ok else "**missed**"

    small, large = (
        med("ours", "confirm_check_small"),
        med("ours", "confirm_check_large"),
    )
    floor = med("ours", "bare_sql_aggregate")
    rerate, score = med("ours", "rerate_all"), med("ours", "score_all")
    oca = med("oca", "oca_risk_all")
    aging = med("ours", "aging_by_customer")
    lines = [f"## Targets, at size {label} (the largest measured in this run)", ""]
    if small and large:
        lines.append(
            f"- confirm-time check ≤ 5 ms and within 2× between a small and a huge "
            f"partner: {small * 1000:.1f} ms / {large * 1000:.1f} ms, ratio "
            f"{large / small:.2f} → {verdict(max(small, large) <= 0.005 and large / small <= 2)}"  # noqa: E501
        )
    if rerate and floor and oca:
        lines.append(
            f"- full re-rating ≤ 3× the bare aggregate: {rerate / floor:.0f}× → "
            f"{verdict(rerate / floor <= 3)}; ≥ 20× faster than OCA's recompute: "
            f"OCA ÷ ours = {oca / rerate:.2f} → {verdict(oca / rerate >= 20)} "
            f"(read side only: {score / floor:.0f}× the floor, OCA ÷ ours "
            f"{oca / score:.2f})"
        )
    extra = size.get("overhead", {})
    for key in ("post_invoice", "register_payment"):
        ours = (extra.get(f"{key}_ours") or {}).get("median")
        bare = (extra.get(f"{key}_bare") or {}).get("median")
        if ours and bare:
            lines.append(
                f"- {key.replace('_', ' ')} overhead ≤ 5 %: "
                f"{(ours / bare - 1) * 100:+.1f} % → {verdict(ours / bare - 1 <= 0.05)}"
            )
    if aging:
        lines.append(
            f"- aging (pivot by customer, whole ledger) ≤ 2 s: {aging:.2f} s → "
            f"{verdict(aging <= 2)}" + ("" if label == "L" else " (not at L)")
        )
    return [*lines, ""]


if __name__ == "__main__":
    main(sys.argv[1])
