"""Mixed load on a multi-worker server: confirmations near the limit, payments,
invoice postings, re-ratings and approvals at once.

On a database with generated customers (``--db``; made when missing as a copy
of ``--from-db`` filled by bench/generate.py ``--size``), a real server with
``--workers 4`` (no cron) and ``--clients`` threads (50) for ``--seconds`` (60),
each drawing its next operation:

- confirm (35 %): the salesman confirms a draft order of one of ``--shared``
  customers whose credit limit only a few of their orders fit under;
- pay (20 %): the accountant registers the payment of an open invoice of a
  generated customer (Register Payment wizard, each invoice once);
- post (20 %): the accountant posts a draft invoice of a generated customer;
- rerate (15 %): the credit manager presses "Re-rate now" on a generated
  customer;
- approve (10 %): the credit manager approves a blocked order of the shared
  customers through the approval wizard.

Afterwards: no shared customer has orders confirmed without an approval above
its limit (as tests/concurrent_confirm.py checks), PostgreSQL counted no
deadlock (``pg_stat_database.deadlocks`` before and after, and none in the
server log), and the latency of each operation (p50/p95). ``--results`` writes
the figures between ``<!-- mixed-load:begin -->`` and ``<!-- mixed-load:end -->``
in bench/RESULTS.md (bench/report.py keeps that section).

Usage: .venv/bin/python bench/mixed_load.py --from-db credit_bench_s_bare_copy \
    --db credit_mixed_s --size S --results bench/RESULTS.md
"""

import argparse
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from odoo_process import Client, Pg, RpcError, Server, TransportError, create_orders
from report import write_section

BEGIN, END = "<!-- mixed-load:begin -->", "<!-- mixed-load:end -->"
WEIGHTS = [
    ("confirm", 0.35),
    ("pay", 0.20),
    ("post", 0.20),
    ("rerate", 0.15),
    ("approve", 0.10),
]


def percentile(values, share):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def group_id(admin, xmlid):
    module, name = xmlid.split(".")
    return admin.execute("ir.model.data", "check_object_reference", module, name)[1]


def setup(admin, args, tag):
    company_id = admin.execute("res.users", "read", [admin.uid], ["company_id"])[0][
        "company_id"
    ][0]
    admin.execute(
        "res.company",
        "write",
        [company_id],
        {"credit_control_enabled": True, "credit_block_on_limit": True},
    )
    users = {}
    for role, groups in (
        ("salesman", ["sales_team.group_sale_salesman"]),
        (
            "manager",
            [
                "sales_team.group_sale_salesman_all_leads",
                "credit_management.group_credit_manager",
                # "Re-rate now" writes the customer as the user: a credit
                # manager without contact rights gets "You are not allowed to
                # modify 'Contact'" (13 of 14 re-ratings of a first run).
                "base.group_partner_manager",
            ],
        ),
        ("accountant", ["account.group_account_invoice"]),
    ):
        login = f"mixed_{role}_{tag}"
        admin.execute(
            "res.users",
            "create",
            {
                "name": f"Mixed {role} {tag}",
                "login": login,
                "password": login,
                "group_ids": [(6, 0, [group_id(admin, g) for g in groups])],
                "company_id": company_id,
                "company_ids": [(6, 0, [company_id])],
            },
        )
        users[role] = login
    salesman_uid = admin.execute(
        "res.users", "search", [("login", "=", users["salesman"])]
    )[0]
    product_id = admin.execute(
        "product.product",
        "create",
        {"name": f"Mixed Service {tag}", "type": "service", "list_price": 1},
    )
    shared = {}
    for i in range(args.shared):
        partner_id = admin.execute(
            "res.partner",
            "create",
            {
                "name": f"Mixed Shared Customer {tag} {i}",
                "is_company": True,
                "credit_limit": args.limit,
            },
        )
        shared[partner_id] = create_orders(
            admin, partner_id, salesman_uid, product_id, args.amount, args.orders
        )
    customers = admin.execute(
        "res.partner",
        "search",
        [("name", "=like", "Bench Customer %")],
        limit=args.customers_used,
        order="id",
    )
    if not customers:
        raise SystemExit("no generated customer (Bench Customer ...): run generate.py")
    rng = random.Random(args.seed)
    drafts = []
    for chunk in range(0, args.drafts, 100):
        drafts += admin.execute(
            "account.move",
            "create",
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": rng.choice(customers),
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product_id,
                                "quantity": 1,
                                "price_unit": round(rng.uniform(50, 500), 2),
                                "tax_ids": [(6, 0, [])],
                            },
                        )
                    ],
                }
                for _ in range(min(100, args.drafts - chunk))
            ],
        )
    open_invoices = admin.execute(
        "account.move",
        "search",
        [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "=", "not_paid"),
            ("partner_id", "in", customers),
            (
                "currency_id",
                "=",
                admin.execute("res.company", "read", [company_id], ["currency_id"])[0][
                    "currency_id"
                ][0],
            ),
        ],
        limit=5000,
    )
    rng.shuffle(open_invoices)
    return users, shared, customers, drafts, open_invoices


class Pools:
    """Invoices to post and to pay, each taken once."""

    def __init__(self, drafts, open_invoices):
        self.lock = threading.Lock()
        self.drafts, self.open = list(drafts), list(open_invoices)

    def take(self, name):
        with self.lock:
            pool = getattr(self, name)
            return pool.pop() if pool else None


def make_call(op, rng, clients, order_ids, customers, pools):
    """The next call of operation ``op`` (None: nothing left to do for it)."""
    if op == "confirm":
        order_id = rng.choice(order_ids)
        return lambda: clients["salesman"].execute(
            "sale.order", "action_confirm", [order_id]
        )
    if op == "pay":
        invoice_id = pools.take("open")
        if not invoice_id:
            return None
        context = {"active_model": "account.move", "active_ids": [invoice_id]}

        def pay():
            wizard = clients["accountant"].execute(
                "account.payment.register", "create", {}, context=context
            )
            clients["accountant"].execute(
                "account.payment.register",
                "action_create_payments",
                [wizard],
                context=context,
            )

        return pay
    if op == "post":
        invoice_id = pools.take("drafts")
        if not invoice_id:
            return None
        return lambda: clients["accountant"].execute(
            "account.move", "action_post", [invoice_id]
        )
    if op == "rerate":
        partner_id = rng.choice(customers)
        return lambda: clients["manager"].execute(
            "res.partner", "action_credit_rerate", [partner_id]
        )
    order_id = rng.choice(order_ids)

    def approve():
        manager = clients["manager"]
        order = manager.execute(
            "sale.order", "read", [order_id], ["state", "credit_blocked"]
        )[0]
        if order["state"] in ("draft", "sent") and order["credit_blocked"]:
            wizard = manager.execute(
                "credit.approval.wizard",
                "create",
                {"order_id": order_id, "reason": "Mixed load approval"},
            )
            manager.execute("credit.approval.wizard", "action_approve", [wizard])

    return approve


def worker(clients, shared, customers, pools, stop, seed, results):
    """One client thread. The JSON-RPC clients are shared (stateless: each call
    sends the credentials)."""
    rng = random.Random(seed)
    order_ids = [o for orders in shared.values() for o in orders]
    ops, weights = zip(*WEIGHTS, strict=True)
    while not stop.is_set():
        op = rng.choices(ops, weights)[0]
        call = make_call(op, rng, clients, order_ids, customers, pools)
        if call is None:
            continue
        start = time.perf_counter()
        try:
            call()
            kind, detail = "ok", ""
        except RpcError as error:
            detail = error.message.splitlines()[0][:100] if error.message else ""
            kind = "refused" if "cannot be confirmed" in error.message else "error"
        except TransportError as error:
            kind, detail = "transport", str(error)[:100]
        results.append((op, kind, detail, time.perf_counter() - start))


def prepare(pg, args):
    if pg.exists(args.db):
        return
    if not args.from_db:
        raise SystemExit(f"{args.db} does not exist: give --from-db to make it")
    pg.copy(args.from_db, args.db)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate.py"),
            "--config",
            args.config,
            "--db",
            args.db,
            "--size",
            args.size,
        ],
        check=True,
        cwd=ROOT,
    )


def write_results(path, figures):
    lines = [
        BEGIN,
        "## Mixed load",
        "",
        (
            f"`bench/mixed_load.py` on `{figures['db']}` (size {figures['size']}, "
            f"{figures['customers']:,} generated customers), measured "
            f"{figures['when']} on {figures['machine']}: a server with "
            f"{figures['workers']} workers, {figures['clients']} client threads for "
            f"{figures['seconds']:.0f} s drawing confirmations of orders of "
            f"{figures['shared']} customers sharing a limit of "
            f"{figures['limit']:,.0f} (orders of {figures['amount']:,.0f}), payments "
            "of open invoices (Register Payment), postings of draft invoices, "
            '"Re-rate now" and approvals of blocked orders. The machine is shared '
            "with other sessions' work (load average "
            f"{figures['load']:.1f} at the end of the run): latencies are those of "
            "a busy machine, not of the code alone; 50 clients on 4 workers also "
            "queue, each call waiting behind about a dozen others."
        ),
        "",
        (
            "| operation | calls | ok | refused by the credit check | errors "
            "| p50 | p95 | max |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for op, row in figures["ops"].items():
        lines.append(
            f"| {op} | {row['calls']:,} | {row['ok']:,} | {row['refused']:,} | "
            f"{row['errors']:,} | {1000 * row['p50']:.0f} ms | "
            f"{1000 * row['p95']:.0f} ms | {1000 * row['max']:.0f} ms |"
        )
    lines += [
        "",
        (
            f"Throughput {figures['throughput']:.1f} operations/s. Over-limit "
            f"confirmations: {figures['over_limit']} (orders confirmed without an "
            f"approval: {figures['confirmed_unapproved']}, with one: "
            f"{figures['confirmed_approved']}; at most "
            f"{int(figures['limit'] // figures['amount'])} per customer fit). "
            f"Deadlocks counted by PostgreSQL during the run: {figures['deadlocks']}; "
            f"serialization failures retried by the server: {figures['retries']}."
        ),
    ]
    if figures["error_kinds"]:
        lines += [
            "",
            "Errors (confirming an order another client already confirmed is one): "
            + "; ".join(f"{n} × {k}" for k, n in figures["error_kinds"].items())
            + ".",
        ]
    lines += ["", END]
    section = "\n".join(lines)
    write_section(path, BEGIN, END, section)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", default="credit_mixed_s")
    parser.add_argument("--from-db", help="copied when --db is missing")
    parser.add_argument("--size", default="S", choices=("S", "M", "L"))
    parser.add_argument("--admin-password", default="admin")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--shared", type=int, default=5, help="shared-limit customers")
    parser.add_argument("--orders", type=int, default=40, help="per shared customer")
    parser.add_argument("--limit", type=float, default=2000.0)
    parser.add_argument("--amount", type=float, default=150.0)
    parser.add_argument("--customers-used", type=int, default=500)
    parser.add_argument("--drafts", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--results", help="write the section into this RESULTS.md")
    args = parser.parse_args()
    args.config = str(Path(args.config).resolve())
    pg = Pg(args.config)
    prepare(pg, args)

    tag = f"{os.getpid()}_{int(time.time())}"
    logfile = os.path.join(tempfile.gettempdir(), f"credit_mixed_{tag}.log")
    server = Server(args.config, args.db, logfile, workers=args.workers).wait_ready()
    try:
        admin = Client(server.url, args.db, "admin", args.admin_password)
        users, shared, customers, drafts, open_invoices = setup(admin, args, tag)
        pools = Pools(drafts, open_invoices)
        stop = threading.Event()
        results = []
        deadlocks_before = pg.rows(
            args.db,
            "SELECT deadlocks FROM pg_stat_database WHERE datname = %s",
            [args.db],
        )[0][0]
        log_start = len(server.log())
        clients = {
            role: Client(server.url, args.db, login, login)
            for role, login in users.items()
        }
        threads = [
            threading.Thread(
                target=worker,
                args=(
                    clients,
                    shared,
                    customers,
                    pools,
                    stop,
                    args.seed * 1000 + i,
                    results,
                ),
            )
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        start = time.perf_counter()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        deadlocks = (
            pg.rows(
                args.db,
                "SELECT deadlocks FROM pg_stat_database WHERE datname = %s",
                [args.db],
            )[0][0]
            - deadlocks_before
        )
    finally:
        server.stop()
    log = server.log()[log_start:]
    deadlocks += log.count("deadlock detected")
    retries = len(re.findall(r"tries left, try again", log))

    order_ids = [o for orders in shared.values() for o in orders]
    rows = pg.rows(
        args.db,
        """
        SELECT so.partner_id, so.amount_total,
               EXISTS (SELECT 1 FROM credit_approval a WHERE a.order_id = so.id)
          FROM sale_order so WHERE so.id = ANY(%s) AND so.state = 'sale'
        """,
        [order_ids],
    )
    over = 0
    for partner_id in shared:
        total = sum(r[1] for r in rows if r[0] == partner_id and not r[2])
        over += total > args.limit + 0.001
    ops = {}
    error_kinds = {}
    for op, _w in WEIGHTS:
        mine = [r for r in results if r[0] == op]
        seconds = [r[3] for r in mine]
        ops[op] = {
            "calls": len(mine),
            "ok": sum(1 for r in mine if r[1] == "ok"),
            "refused": sum(1 for r in mine if r[1] == "refused"),
            "errors": sum(1 for r in mine if r[1] in ("error", "transport")),
            "p50": percentile(seconds, 0.50),
            "p95": percentile(seconds, 0.95),
            "max": max(seconds, default=0.0),
        }
        for r in mine:
            if r[1] in ("error", "transport"):
                key = f"{op}: {r[2]}"
                error_kinds[key] = error_kinds.get(key, 0) + 1
    figures = {
        "db": args.db,
        "size": args.size,
        "customers": pg.rows(
            args.db,
            "SELECT count(*) FROM res_partner WHERE name LIKE 'Bench Customer %%'",
        )[0][0],
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "workers": args.workers,
        "clients": args.clients,
        "seconds": elapsed,
        "shared": args.shared,
        "limit": args.limit,
        "amount": args.amount,
        "ops": ops,
        "throughput": len(results) / elapsed,
        "load": os.getloadavg()[0],
        "over_limit": over,
        "confirmed_unapproved": sum(1 for r in rows if not r[2]),
        "confirmed_approved": sum(1 for r in rows if r[2]),
        "deadlocks": deadlocks,
        "retries": retries,
        "error_kinds": dict(sorted(error_kinds.items(), key=lambda x: -x[1])[:8]),
    }
    for op, row in ops.items():
        print(
            f"{op:8} {row['calls']:6} calls, {row['ok']:6} ok, {row['refused']:5} "
            f"refused, {row['errors']:4} errors, p50 {1000 * row['p50']:.0f} ms, "
            f"p95 {1000 * row['p95']:.0f} ms"
        )
    print(
        f"{len(results)} operations in {elapsed:.0f} s; over-limit customers: {over}; "
        f"deadlocks: {deadlocks}; retries: {retries}; "
        f"errors: {figures['error_kinds']}; "
        f"server log {logfile}"
    )
    if args.results:
        write_results(args.results, figures)
    return 1 if over or deadlocks else 0


if __name__ == "__main__":
    sys.exit(main())
