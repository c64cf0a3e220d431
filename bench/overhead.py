"""Overhead of each module on posting an invoice and registering a payment.

The three databases of a size (bare Odoo, ours, OCA; same generated data) are
opened in one process and measured in interleaved rounds — each round posts one
invoice and registers its payment in every database, in a rotating order, each in a
savepoint rolled back — so that machine noise (other processes, CPU frequency,
cache) falls on all three alike. Sequential runs per database showed ±30 % swings
between runs of the same code on this 2-core machine.

Usage: .venv/bin/python bench/overhead.py --size S [--rounds 30] [--json out.jsonl]
"""

import argparse
import functools
import json
import time

from run import (
    count_statements,
    stats,
    variant_dbs,
)  # bench/run.py: python puts this script's folder on sys.path


def post_and_pay(env):
    """Seconds to post a one-line invoice, then to register its payment."""
    from odoo import Command  # noqa: PLC0415

    partner = env["res.partner"].search(
        [("name", "=like", "Bench Customer %")], limit=1
    )
    product = env["product.product"].search([("name", "=", "Bench Product")], limit=1)
    with env.cr.savepoint(flush=False) as savepoint:
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "price_unit": 250.0, "tax_ids": []}
                    )
                ],
            }
        )
        env.flush_all()
        start = time.perf_counter()
        invoice.action_post()
        env.flush_all()
        posted = time.perf_counter() - start
        start = time.perf_counter()
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        env.flush_all()
        paid = time.perf_counter() - start
        savepoint.rollback()
    env.invalidate_all()
    return posted, paid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--size", default="S")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    dbs = variant_dbs(args.size)
    config.parse_config(["-c", args.config, "--log-level=warn"])
    cursors = {mode: Registry(db).cursor() for mode, db in dbs.items()}
    envs = {
        mode: api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        for mode, cr in cursors.items()
    }
    samples = {mode: {"post": [], "pay": []} for mode in dbs}
    modes = list(dbs)
    try:
        for mode in modes:  # warm-up, not recorded
            post_and_pay(envs[mode])
        for index in range(args.rounds):
            shift = index % len(modes)
            for mode in modes[shift:] + modes[:shift]:
                posted, paid = post_and_pay(envs[mode])
                samples[mode]["post"].append(posted)
                samples[mode]["pay"].append(paid)
        # Noise-free evidence: the number of SQL queries of one post + payment.
        query_counts = {
            mode: count_statements(functools.partial(post_and_pay, envs[mode]))
            for mode in modes
        }
    finally:
        for cr in cursors.values():
            cr.rollback()
            cr.close()
    figures = {"label": args.size, "mode": "overhead", "queries": query_counts}
    for mode in modes:
        figures[f"post_invoice_{mode}"] = stats(samples[mode]["post"])
        figures[f"register_payment_{mode}"] = stats(samples[mode]["pay"])
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
