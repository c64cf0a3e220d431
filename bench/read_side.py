"""The read side of the re-rating against OCA's recompute of its risk fields,
in interleaved rounds in one process (issue 19: ours ≥ 5× faster).

Ours (``credit_bench_<size>``): every factor value and score of every customer,
batch by batch as the scheduled job does, nothing written (``bench/run.py``'s
``score_all``). OCA's (``credit_bench_<size>_oca``, account_financial_risk and
sale_financial_risk): the recompute of ``risk_total``, ``risk_exception`` and
``risk_sale_order`` of every customer (``run.py``'s ``oca_risk_all``). The two
databases hold the same generated ledger; the rounds alternate, so that a load
on the machine weighs on both alike.

Usage: .local/bench-venv/bin/python bench/read_side.py --size M \
        [--repeat 5] [--json out.jsonl] [--results bench/RESULTS.md]
"""

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import append_record, records_of, write_section
from run import stats, variant_dbs

BEGIN = "<!-- read-side:begin -->"
END = "<!-- read-side:end -->"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--size", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    parser.add_argument("--results", help="rewrite the read-side section here")
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    dbs = variant_dbs(args.size)
    ours_db, oca_db = dbs["ours"], dbs["oca"]
    config.parse_config(["-c", args.config, "-d", ours_db, "--log-level=warn"])
    ours_cr = Registry(ours_db).cursor()
    oca_cr = Registry(oca_db).cursor()
    try:
        ours = api.Environment(ours_cr, SUPERUSER_ID, {})
        oca = api.Environment(oca_cr, SUPERUSER_ID, {})
        ours_ids = (
            ours["res.partner"].search([("name", "=like", "Bench Customer %")]).ids
        )
        oca_ids = oca["res.partner"].search([("name", "=like", "Bench Customer %")]).ids
        assert len(ours_ids) == len(oca_ids), (len(ours_ids), len(oca_ids))

        def score_all():
            ours.invalidate_all()
            Partner, scoring = ours["res.partner"], ours["credit.scoring"]
            factors = scoring._credit_scorecard(
                ours.company.credit_score_factor_ids
            )  # the job: per batch
            for start in range(0, len(ours_ids), 500):
                batch = Partner.browse(ours_ids[start : start + 500])
                raws = scoring._credit_factor_raw_values(batch)
                for partner_id in batch.ids:
                    scoring._credit_score(raws[partner_id], factors)

        def risk_all():
            oca.invalidate_all()
            records = oca["res.partner"].browse(oca_ids)
            records.mapped("risk_total")
            records.mapped("risk_exception")
            records.mapped("risk_sale_order")

        samples = {"ours": [], "oca": []}
        for round_ in range(args.repeat + 1):
            for name, function in (("ours", score_all), ("oca", risk_all)):
                start = time.perf_counter()
                function()
                if round_:  # the first round warms caches and plans
                    samples[name].append(time.perf_counter() - start)
    finally:
        ours_cr.rollback()
        oca_cr.rollback()
        ours_cr.close()
        oca_cr.close()
    record = {
        "label": args.size,
        "mode": "read_side",
        "measured": f"{datetime.now(UTC):%Y-%m-%d}",
        "customers": len(ours_ids),
        "ours": stats(samples["ours"]),
        "oca": stats(samples["oca"]),
    }
    record["ratio"] = record["oca"]["median"] / record["ours"]["median"]
    print(json.dumps(record, indent=2))
    if args.json:
        append_record(args.json, record)
    if args.results and args.json:
        write_results(args.json, args.results)


def write_results(jsonl, results):
    runs = records_of(jsonl, "read_side")
    labels = [label for label in ("S", "M", "L") if label in runs]
    out = [
        BEGIN,
        "## Read side of the re-rating against OCA, interleaved",
        "",
        (
            "`bench/read_side.py`: in one process, rounds alternating between "
            "ours (every factor value and score of every customer, in the job's "
            "batches, nothing written) and OCA's recompute of its risk fields "
            "(`risk_total`, `risk_exception`, `risk_sale_order`) on a copy of "
            "the same ledger. Target: ours ≥ 5× faster. Measured "
            + ", ".join(f"{label} {runs[label]['measured']}" for label in labels)
            + "."
        ),
        "",
        "| size | customers | ours | OCA | OCA ÷ ours |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label in labels:
        record = runs[label]
        cells = [
            f"{record[k]['median']:.2f} s ({record[k]['min']:.2f}–"
            f"{record[k]['max']:.2f}, n={record[k]['n']})"
            for k in ("ours", "oca")
        ]
        verdict = "**met**" if record["ratio"] >= 5 else "**missed**"
        out.append(
            f"| {label} | {record['customers']:,} | {cells[0]} | {cells[1]} "
            f"| {record['ratio']:.1f}× → {verdict} |"
        )
    out += ["", END]
    write_section(results, BEGIN, END, "\n".join(out))


if __name__ == "__main__":
    main()
