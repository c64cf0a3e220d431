"""Payment predictions at scale: refit and predict every open invoice.

    .venv/bin/python bench/predict_scale.py --db <database of bench/generate.py
        with credit_management installed> [--size L]

Measures, on the generated ledger (bench/generate.py), in one process:
the refit of the company's model (priors, training features of up to
FIT_SAMPLE settled invoices, the three fits), the features of every open
invoice in one query, and the predictions of every open invoice written in
batches of the company's batch size, as the weekly job does
(credit.prediction._credit_predict); the peak RSS of the process before and
after. Everything is rolled back. Writes its section of bench/RESULTS.md.
"""

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
STORE = ROOT / "bench" / "predict_scale.json"
BEGIN = "<!-- predict-scale:begin (bench/predict_scale.py) -->"
END = "<!-- predict-scale:end -->"


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(env):
    from odoo import fields  # noqa: PLC0415
    from odoo.tools import SQL  # noqa: PLC0415

    company = env.company
    today = fields.Date.context_today(env.user)
    Move = env["account.move"]
    open_domain = [
        ("company_id", "=", company.id),
        ("move_type", "=", "out_invoice"),
        ("state", "=", "posted"),
        ("payment_state", "in", ("not_paid", "partial")),
    ]
    figures = {
        "invoices": Move.search_count(
            [("company_id", "=", company.id), ("move_type", "=", "out_invoice")]
        ),
        "open": Move.search_count(open_domain),
        "rss_before": rss_mb(),
    }
    start = time.perf_counter()
    model = env["credit.prediction.model"]._credit_refit(company, today)
    figures["refit_seconds"] = time.perf_counter() - start
    figures["fitted"] = model.sample_count
    figures["train_auc"] = model.train_auc
    service = env["credit.prediction"]
    start = time.perf_counter()
    rows = service._credit_features(today, model.parameters["priors"], target="open")
    figures["features_all_seconds"] = time.perf_counter() - start
    figures["features_all_rows"] = len(rows)
    del rows
    size = company.credit_rerate_batch_size
    ids = Move.search(open_domain, order="id").ids
    batches = []
    start = time.perf_counter()
    for index in range(0, len(ids), size):
        batch_start = time.perf_counter()
        service._credit_predict(Move.browse(ids[index : index + size]), model, today)
        batches.append(time.perf_counter() - batch_start)
        env.invalidate_all()
    figures["predict_seconds"] = time.perf_counter() - start
    figures["batch_size"] = size
    figures["batches"] = len(batches)
    figures["batch_median"] = statistics.median(batches) if batches else 0.0
    figures["batch_max"] = max(batches) if batches else 0.0
    figures["rss_after"] = rss_mb()
    [[predicted]] = env.execute_query(
        SQL(
            "SELECT COUNT(*) FROM account_move WHERE credit_predicted_on = %s"
            " AND company_id = %s",
            today,
            company.id,
        )
    )
    figures["predicted"] = predicted
    return figures


def write_results(size, figures):
    store = json.loads(STORE.read_text()) if STORE.exists() else {}
    store[size] = figures
    STORE.write_text(json.dumps(store, indent=1, sort_keys=True) + "\n")
    section = results_section()
    text = RESULTS.read_text()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def results_section():
    """The section of RESULTS.md from bench/predict_scale.json ("" without)."""
    store = json.loads(STORE.read_text()) if STORE.exists() else {}
    if not store:
        return ""
    lines = [BEGIN]
    for size, f in sorted(store.items()):
        refit = (
            f"| refit: priors, training features, three fits ({f['fitted']} "
            f"invoices fitted) | {f['refit_seconds']:.1f} s |"
        )
        features = (
            "| features of every open invoice, one query | "
            f"{f['features_all_seconds']:.1f} s ({f['features_all_rows']} rows) |"
        )
        predict = (
            f"| predictions of every open invoice written, {f['batches']} batches "
            f"of {f['batch_size']} | {f['predict_seconds']:.1f} s (batch median "
            f"{f['batch_median'] * 1000:.0f} ms, max {f['batch_max'] * 1000:.0f} "
            f"ms); {f['predicted']} predicted |"
        )
        memory = (
            f"| peak RSS before / after | {f['rss_before']:.0f} MB / "
            f"{f['rss_after']:.0f} MB |"
        )
        lines += [
            f"## Payment predictions at scale (size {size})",
            "",
            "`bench/predict_scale.py`: on the generated ledger, one process, "
            + "everything rolled back.",
            "",
            "| figure | value |",
            "| --- | --- |",
            f"| customer invoices / open | {f['invoices']} / {f['open']} |",
            refit,
            features,
            predict,
            memory,
            "",
        ]
    lines.append(END)
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / ".local" / "odoo.conf"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--size", default="L", help="label of the section")
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    with Registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        figures = measure(env)
        cr.rollback()
    print(figures)
    write_results(args.size, figures)


if __name__ == "__main__":
    main()
