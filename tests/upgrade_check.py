"""Upgrade from the previous release: nothing lost, the same meaning.

Installs credit_management as released at ``--from`` (a git worktree of that
commit) with demo data on a fresh database, adds what users leave in a database
(a credit approval, a re-rating in progress, the last overdue event pass, reviews),
records it, upgrades to the working tree's addon (migration scripts run), and
checks, record by record:

- every customer keeps its limit, and the limit applies exactly where it was
  above 0 (0 meant "no limit");
- the approval is a credit.approval with its approver, reason and amount, still
  covering its order;
- grades keep their amounts, now in a currency;
- the re-rating in progress resumes under its reference, the event pass is kept;
- external ratings typed on customers become agency ratings with the same value
  and date, and a re-rating gives the same scores (new factors weigh 0);
- the scheduled actions run the new model's methods, and a re-rating completes.

Usage (scripts/test runs it): .venv/bin/python tests/upgrade_check.py
    --config .local/odoo.conf --db credit_upgrade --from e6568e8
"""

import argparse
import configparser
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REVIEW = """
def REVIEW(r):
    return [r.partner_id.id, r.trigger, r.score, r.has_score, r.grade_before_id.id,
            r.grade_after_id.id, r.limit_before, r.limit_proposed, r.limit_after,
            r.limit_state, r.previous_score, str(r.date), len(r.line_ids)]
"""

SETUP = (
    REVIEW
    + """
import json
env = env(context=dict(env.context, tracking_disable=True))
orders = env["sale.order"].search([("state", "in", ("draft", "sent"))], order="id")
order = orders.filtered("credit_blocked")[:1]
order.sudo()._credit_approve("Legacy approval before the upgrade")
env.ref("base.main_company").write(
    {
        "credit_rerate_cutoff": "2026-01-01 10:00:00",
        "credit_event_pass_date": "2026-01-02",
    }
)
customers = env["res.partner"].search(
    [("customer_rank", ">", 0), ("parent_id", "=", False)], order="id"
)
customers[0].write(
    {"credit_external_rating": 72, "credit_external_rating_date": "2026-01-05"}
)
customers[1].write({"credit_external_rating": 35, "credit_external_rating_date": False})
reviews = env["credit.scoring"]._credit_rate(customers[:3], "manual")
# The generated customers (bench/generate.py): every one rated, one in ten
# with an external rating, one in twenty on hold, one in fifty with an
# approved draft order over what its credit allows.
generated = env["res.partner"].search(
    [("name", "=like", "Bench Customer %")], order="id"
)
generated_reviews = env["credit.scoring"]._credit_rate(generated, "manual")
for i, partner in enumerate(generated[1::10]):
    partner.write({
        "credit_external_rating": 1 + (partner.id * 37) % 100,
        "credit_external_rating_date": "2026-0%d-1%d" % (1 + i % 9, i % 10)
        if i % 4 else False,
    })
for partner in generated[::20]:
    partner.write({"credit_hold": True, "credit_hold_reason": "Held %d" % partner.id})
product = env["product.product"].create(
    {"name": "Upgrade Goods", "type": "service", "list_price": 1}
)
approved = env["sale.order"]
for partner in generated[2::50]:
    order = env["sale.order"].create({
        "partner_id": partner.id,
        "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1,
                               "price_unit": 10 * partner.credit_limit + 1000,
                               "tax_ids": [(6, 0, [])]})],
    })
    order.sudo()._credit_approve("Generated approval %d" % order.id)
    approved |= order
env.cr.commit()
print("STATE " + json.dumps({
    "order": order.id,
    "approval": [order.credit_approval_user_id.id, order.credit_approval_reason,
                 order.credit_approval_amount],
    "limits": {str(p.id): p.credit_limit for p in customers},
    "grades": {str(p.id): p.credit_grade_id.id for p in customers},
    "holds": {str(p.id): p.credit_hold for p in customers},
    "grade_limits": {str(g.id): g.default_credit_limit
                     for g in env["credit.grade"].search([])},
    "reviews": env["credit.review"].search_count([]),
    "ratings": {str(p.id): [p.credit_external_rating,
                            str(p.credit_external_rating_date or "")]
                for p in customers},
    "scores": {str(r.partner_id.id): r.score for r in reviews},
    "generated": {str(p.id): [p.credit_limit, p.credit_grade_id.id, p.credit_hold,
                              p.credit_hold_reason or "", p.credit_score]
                  for p in generated},
    "generated_ratings": {str(p.id): [float(p.credit_external_rating),
                                      str(p.credit_external_rating_date or "")]
                          for p in generated if p.credit_external_rating},
    "generated_reviews": {str(r.id): REVIEW(r) for r in generated_reviews},
    "generated_approvals": {str(o.id): [
        o.credit_approval_user_id.id, o.credit_approval_reason,
        o.credit_approval_amount, o.credit_approval_exposure,
        o.credit_approval_limit, o.credit_approval_blocking_reasons or ""]
        for o in approved},
}))
"""
)

CHECK = (
    REVIEW
    + """
customers = env["res.partner"].browse([int(i) for i in STATE["limits"]])
order = env["sale.order"].browse(STATE["order"])
approval = order.credit_approval_id
crons = [env.ref("credit_management.ir_cron_credit_rerate"),
         env.ref("credit_management.ir_cron_credit_rerate_events")]
runs = env["credit.job.run"].search([], order="id")
result = {
    "limits": {str(p.id): p.credit_limit for p in customers},
    "applies": {str(p.id): p.credit_limit_applies for p in customers},
    "grades": {str(p.id): p.credit_grade_id.id for p in customers},
    "holds": {str(p.id): p.credit_hold for p in customers},
    "approval": [approval.user_id.id, approval.reason, approval.amount],
    "approval_state": approval.state,
    "approval_decision": [
        [d.user_id.id, d.note, d.order_id.id, d.date == approval.date]
        for d in env["credit.decision"].search([("approval_id", "=", approval.id)])
    ],
    "order_blocked": order.credit_blocked,
    "grade_limits": {str(g.id): g.default_credit_limit
                     for g in env["credit.grade"].search([])},
    "grade_currencies": sorted(
        set(env["credit.grade"].search([]).currency_id.mapped("name"))
    ),
    "reviews": env["credit.review"].search_count([]),
    "runs": [[r.job, r.state, r.run_ref] for r in runs],
    "crons": [c.model_id.model for c in crons],
}
# The migrated ratings are "Internal assessment" ones (the new demo data adds
# agency ratings of its own, which are not the migration's).
internal = env.ref("credit_management.credit_agency_internal")
migrated = {r.partner_id.id: r for r in env["credit.rating"].search(
    [("agency_id", "=", internal.id)])}
result["ratings"] = {
    str(p.id): [migrated[p.id].score, str(migrated[p.id].date)]
    if p.id in migrated else [0.0, ""]
    for p in customers
}
# The generated customers, before anything re-rates them.
generated = env["res.partner"].browse([int(i) for i in STATE["generated"]])
result["generated"] = {str(p.id): [p.credit_limit, p.credit_grade_id.id, p.credit_hold,
                                   p.credit_hold_reason or "", p.credit_score]
                       for p in generated}
result["generated_applies"] = {str(p.id): p.credit_limit_applies for p in generated}
ratings = env["credit.rating"].search(
    [("agency_id", "=", internal.id), ("partner_id", "in", generated.ids)]
)
result["generated_ratings"] = {str(r.partner_id.id): [r.score, str(r.date)]
                               for r in ratings}
result["generated_reviews"] = {
    str(r.id): REVIEW(r)
    for r in env["credit.review"].browse([int(i) for i in STATE["generated_reviews"]])
}
approvals = env["credit.approval"].search(
    [("order_id", "in", [int(i) for i in STATE["generated_approvals"]])]
)
result["generated_approvals"] = {str(a.order_id.id): [
    a.user_id.id, a.reason, a.amount, a.exposure, a.credit_limit,
    a.blocking_reasons or ""] for a in approvals}
result["generated_approvals_valid"] = sorted(set(approvals.mapped("state")))
result["generated_approved_blocked"] = approvals.order_id.filtered(
    "credit_blocked").ids
rescored = env["credit.scoring"]._credit_rate(
    customers.browse([int(i) for i in STATE["scores"]]), "manual"
)
result["scores"] = {str(r.partner_id.id): r.score for r in rescored}
env["credit.rerate"]._cron_rerate()
result["rerate_after"] = [
    [r.job, r.state, r.run_ref] for r in env["credit.job.run"].search([], order="id")
]
# Collections (19.0.1.4.0): every customer reads "normal", in Python and in a
# search (the field's default); no company starts reminding its customers on
# its own after an upgrade.
result["collection_statuses"] = sorted(
    set(customers.mapped("credit_collection_status"))
)
result["collection_normal_found"] = env["res.partner"].search_count(
    [("id", "in", customers.ids), ("credit_collection_status", "=", "normal")]
) == len(customers)
result["collection_policies"] = env["res.company"].search(
    []
).credit_collection_policy_id.ids
env["credit.collection.run"]._cron_collect()
result["collection_runs"] = env["credit.job.run"].search_count(
    [("job", "=", "collect")]
)
env.cr.rollback()
print("RESULT " + json.dumps(result))
"""
)


def odoo(python, config, args, stdin=None):
    return subprocess.run(
        [python, "-m", "odoo", *args[:1], "-c", config, *args[1:]],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def tagged(output, tag):
    for line in output.splitlines():
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1 :])
    raise SystemExit(f"no {tag} line in:\n{output[-3000:]}")


def shell(python, config, db, code):
    step = odoo(python, config, ["shell", "-d", db, "--log-level=error"], code)
    return step.stdout + "\n" + step.stderr


# The addon's tests run on the upgraded database: the check, approvals and
# exposure, and what reads the migrated data (decisions, ratings).
TEST_CLASSES = [
    "TestCreditCheck",
    "TestCreditApproval",
    "TestCreditApprovalScope",
    "TestCreditExposure",
    "TestCreditDecision",
    "TestCreditInformation",
]


def run_tests(python, args):
    """Run ``args.tests`` on the upgraded database: (passed, summary)."""
    step = odoo(
        python,
        args.config,
        [
            "server",
            "-d",
            args.db,
            "--test-tags",
            args.tests,
            "--stop-after-init",
            "--http-port",
            str(free_port()),
            "--gevent-port",
            str(free_port()),
            "--log-level=info",
        ],
    )
    log = step.stdout + step.stderr
    result = re.search(
        r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests", log
    )
    if not result:
        return False, f"no test result (exit {step.returncode}):\n{log[-2000:]}"
    failed, errors, total = (int(n) for n in result.groups())
    passed = not failed and not errors and total > 0 and not step.returncode
    summary = (
        f"{total} addon tests on the upgraded database, {failed} failed, "
        f"{errors} errors"
    )
    if not passed:
        summary += (
            "\n"
            + "\n".join(
                line for line in log.splitlines() if re.search(r"(FAIL|ERROR):", line)
            )[:3000]
        )
    return passed, summary


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", default="credit_upgrade")
    parser.add_argument("--from", dest="ref", default="e6568e8")
    parser.add_argument(
        "--customers",
        type=int,
        default=1000,
        help="customers generated by bench/generate.py in the old database "
        "(1,000: size S)",
    )
    parser.add_argument(
        "--tests",
        default=",".join(f"/credit_management:{name}" for name in TEST_CLASSES),
        help="addon tests run on the upgraded database (empty: none)",
    )
    args = parser.parse_args()
    timings = {}
    python = sys.executable

    work = Path(tempfile.mkdtemp(prefix="credit_upgrade_"))
    old = work / "old"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.ref],
        check=True,
        capture_output=True,
    )
    try:
        config = configparser.ConfigParser()
        config.read(args.config)
        paths = config["options"]["addons_path"].split(",")
        old_paths = [str(old) if Path(p).resolve() == ROOT else p for p in paths]
        old_config = work / "old.conf"
        config["options"]["addons_path"] = ",".join(old_paths)
        with open(old_config, "w") as file:
            config.write(file)

        subprocess.run(["dropdb", "--if-exists", args.db], check=True)
        step = odoo(
            python,
            str(old_config),
            [
                "server",
                "-d",
                args.db,
                "-i",
                "credit_management",
                "--with-demo",
                "--stop-after-init",
                "--log-level=warn",
            ],
        )
        if step.returncode:
            raise SystemExit(f"install of {args.ref} failed:\n{step.stderr[-3000:]}")
        start = time.monotonic()
        subprocess.run(
            [
                python,
                str(ROOT / "bench" / "generate.py"),
                "--config",
                str(old_config),
                "--db",
                args.db,
                "--customers",
                str(args.customers),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        before = tagged(shell(python, str(old_config), args.db, SETUP), "STATE")
        timings["generate and set up with the old code"] = time.monotonic() - start

        step = odoo(
            python,
            args.config,
            [
                "server",
                "-d",
                args.db,
                "-u",
                "credit_management",
                "--stop-after-init",
                "--log-level=warn",
            ],
        )
        log = step.stdout + step.stderr
        if step.returncode or " ERROR " in log or "Traceback" in log:
            raise SystemExit(f"upgrade failed:\n{log[-3000:]}")
        timings["upgrade"] = time.monotonic() - start - sum(timings.values())
        after = tagged(
            shell(
                python,
                args.config,
                args.db,
                "import json\n"
                + f"STATE = json.loads({json.dumps(before)!r})\n"
                + CHECK,
            ),
            "RESULT",
        )
        timings["check"] = time.monotonic() - start - sum(timings.values())
        tests = run_tests(python, args) if args.tests else None
        timings["tests"] = time.monotonic() - start - sum(timings.values())
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
            check=False,
            capture_output=True,
        )

    problems = []

    def expect(label, got, wanted):
        if got != wanted:
            problems.append(f"{label}: {got!r} != {wanted!r}")

    expect("limits", after["limits"], before["limits"])
    expect(
        "limit applies where it was above 0",
        after["applies"],
        {pid: limit > 0 for pid, limit in before["limits"].items()},
    )
    expect("grades", after["grades"], before["grades"])
    expect("holds", after["holds"], before["holds"])
    expect("approval", after["approval"], before["approval"])
    expect("approval state", after["approval_state"], "valid")
    expect(
        "the approval is in the decision log, once, as it was",
        after["approval_decision"],
        [[before["approval"][0], before["approval"][1], before["order"], True]],
    )
    expect("order still covered by its approval", after["order_blocked"], False)
    expect("grade limits", after["grade_limits"], before["grade_limits"])
    expect("grade currency", len(after["grade_currencies"]), 1)
    expect("reviews", after["reviews"], before["reviews"])
    expect(
        "external ratings (a rating without a date was not used, and is not moved)",
        after["ratings"],
        {
            pid: [rating, date] if date else [0.0, ""]
            for pid, (rating, date) in before["ratings"].items()
        },
    )
    expect("scores of a re-rating after the upgrade", after["scores"], before["scores"])
    expect(
        "runs",
        sorted(after["runs"]),
        [
            ["rerate", "running", "2026-01-01 10:00:00"],
            ["rerate_event", "done", "event 2026-01-02"],
        ],
    )
    expect("crons", after["crons"], ["credit.rerate", "credit.rerate"])
    expect(
        "the re-rating in progress completes under its reference",
        min(after["rerate_after"]),
        ["rerate", "done", "2026-01-01 10:00:00"],
    )
    expect("collection statuses", after["collection_statuses"], ["normal"])
    expect("collection status found by search", after["collection_normal_found"], True)
    expect("no collection policy set by the upgrade", after["collection_policies"], [])
    expect("no collection run after the upgrade", after["collection_runs"], 0)
    expect(
        "generated customers: limit, grade, hold, reason, score",
        after["generated"],
        before["generated"],
    )
    expect(
        "generated customers: the limit applies where it was above 0",
        after["generated_applies"],
        {pid: values[0] > 0 for pid, values in before["generated"].items()},
    )
    expect(
        "generated customers: external ratings with a date became ratings",
        after["generated_ratings"],
        {pid: r for pid, r in before["generated_ratings"].items() if r[1]},
    )
    expect(
        "generated customers: reviews",
        after["generated_reviews"],
        before["generated_reviews"],
    )
    expect(
        "generated customers: approvals",
        after["generated_approvals"],
        before["generated_approvals"],
    )
    expect(
        "generated customers: approvals valid",
        after["generated_approvals_valid"],
        ["valid"],
    )
    expect(
        "generated customers: approved orders not blocked",
        after["generated_approved_blocked"],
        [],
    )
    if tests is not None and not tests[0]:
        problems.append(f"addon tests on the upgraded database: {tests[1]}")
    for problem in problems:
        print("FAILED:", problem)
    print(
        f"upgrade from {args.ref}: {len(before['limits'])} customers, "
        f"{before['reviews']} reviews, {1 + len(before['generated_approvals'])} "
        f"approvals, {len(before['generated_ratings'])} ratings, "
        f"{sum(1 for v in before['generated'].values() if v[2])} holds, 2 runs "
        f"checked; {len(problems)} difference(s); "
        + (f"{tests[1]}; " if tests is not None else "")
        + ", ".join(f"{label} {seconds:.0f} s" for label, seconds in timings.items())
    )
    if os.environ.get("CREDIT_KEEP_UPGRADE_DB") != "1":
        subprocess.run(["dropdb", "--if-exists", args.db], check=False)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
