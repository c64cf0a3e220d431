"""Confirmations and approvals while the server's database connections are cut.

A real multi-worker server (``--workers 4``) on ``--db``; over JSON-RPC, a few
customers with a credit limit (``--limit``) and many draft orders of
``--amount`` each, so that a handful fit under each limit; a salesman (sales
rights only) and a credit manager (the default approvers).

For ``--seconds``, ``--clients`` threads confirm random draft orders as the
salesman, or, one call in four, act as the credit manager: read whether the
order is blocked and approve it through the approval wizard (then the salesman
confirms it). Meanwhile another thread cuts the server's connections to the
database: every 0.1–0.6 s (drawn from ``--seed``) it picks one of the
server's client backends (``pg_stat_activity``: this database, application
``odoo-<pid>``), preferring one inside a transaction, and calls
``pg_terminate_backend`` on it.

Then, without the cuts, the salesman confirms each draft order that holds an
approval (the approval must still cover it). The run passes when:

- every call got a JSON-RPC answer: a result or a JSON-RPC error (the credit
  message, a lost connection, ...), never an HTTP error page, a closed socket
  or a timeout;
- per customer, the orders confirmed without an approval add up to at most the
  limit (none was confirmed over the limit without an approval);
- every approval has its decision row (kind approval), exactly one, and no
  approval decision lacks its approval; no approval belongs to an order that
  is not confirmed once the approved orders were confirmed;
- the server log has no deadlock (lost connections log errors: counted, not
  failed).

Usage (scripts/test runs it on its test database):
    .venv/bin/python tests/lost_connection.py --db credit_test [--seconds 30]
"""

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from odoo_process import Client, Pg, RpcError, Server, TransportError, create_orders


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
    product_id = admin.execute(
        "product.product",
        "create",
        {"name": f"Cut Service {tag}", "type": "service", "list_price": 1},
    )

    def group(xmlid):
        module, name = xmlid.split(".")
        return admin.execute("ir.model.data", "check_object_reference", module, name)[1]

    users = {}
    for role, groups in (
        ("salesman", ["sales_team.group_sale_salesman"]),
        (
            "manager",
            [
                "sales_team.group_sale_salesman_all_leads",
                "credit_management.group_credit_manager",
            ],
        ),
    ):
        login = f"cut_{role}_{tag}"
        admin.execute(
            "res.users",
            "create",
            {
                "name": f"Cut {role} {tag}",
                "login": login,
                "password": login,
                "group_ids": [(6, 0, [group(g) for g in groups])],
                "company_id": company_id,
                "company_ids": [(6, 0, [company_id])],
            },
        )
        users[role] = login
    salesman_uid = admin.execute(
        "res.users", "search", [("login", "=", users["salesman"])]
    )[0]
    partners = {}
    for i in range(args.customers):
        partner_id = admin.execute(
            "res.partner",
            "create",
            {
                "name": f"Cut Customer {tag} {i}",
                "is_company": True,
                "credit_limit": args.limit,
            },
        )
        partners[partner_id] = create_orders(
            admin, partner_id, salesman_uid, product_id, args.amount, args.orders
        )
    return users, partners


def outcome(call):
    start = time.perf_counter()
    try:
        call()
        kind, detail = "ok", ""
    except RpcError as error:
        kind, detail = "rpc_error", error.message.splitlines()[0][:120]
    except TransportError as error:
        kind, detail = "transport", str(error)[:200]
    return kind, detail, time.perf_counter() - start


def client_loop(clients, order_ids, stop, seed, results):
    rng = random.Random(seed)
    salesman, manager = clients
    while not stop.is_set():
        order_id = rng.choice(order_ids)
        if rng.random() < 0.25:

            def approve(order_id=order_id):
                order = manager.execute(
                    "sale.order", "read", [order_id], ["state", "credit_blocked"]
                )[0]
                if order["state"] in ("draft", "sent") and order["credit_blocked"]:
                    wizard = manager.execute(
                        "credit.approval.wizard",
                        "create",
                        {
                            "order_id": order_id,
                            "reason": "Approved under connection cuts",
                        },
                    )
                    manager.execute(
                        "credit.approval.wizard", "action_approve", [wizard]
                    )
                    salesman.execute("sale.order", "action_confirm", [order_id])

            results.append(("approve", *outcome(approve)))
        else:
            results.append(
                (
                    "confirm",
                    *outcome(
                        lambda order_id=order_id: salesman.execute(
                            "sale.order", "action_confirm", [order_id]
                        )
                    ),
                )
            )


def cutter(pg, db, stop, seed, cuts):
    rng = random.Random(seed)
    cnx = pg.connect(db)
    with cnx.cursor() as cr:
        while not stop.is_set():
            time.sleep(rng.uniform(0.1, 0.6))
            cr.execute(
                """
                SELECT pid, state FROM pg_stat_activity
                 WHERE datname = %s AND pid <> pg_backend_pid()
                   AND backend_type = 'client backend'
                   AND application_name LIKE 'odoo-%%'
                """,
                [db],
            )
            backends = cr.fetchall()
            busy = [b for b in backends if b[1] in ("active", "idle in transaction")]
            pool = busy if busy and rng.random() < 0.8 else backends
            if not pool:
                continue
            pid, state = rng.choice(pool)
            cr.execute("SELECT pg_terminate_backend(%s)", [pid])
            cuts.append(state)
    cnx.close()


def check(pg, args, partners):
    order_ids = [o for orders in partners.values() for o in orders]
    problems = []
    rows = pg.rows(
        args.db,
        """
        SELECT so.partner_id, so.id, so.state, so.amount_total,
               EXISTS (SELECT 1 FROM credit_approval a WHERE a.order_id = so.id)
          FROM sale_order so WHERE so.id = ANY(%s)
        """,
        [order_ids],
    )
    confirmed = approved_confirmed = 0
    for partner_id in partners:
        mine = [r for r in rows if r[0] == partner_id]
        unapproved = sum(r[3] for r in mine if r[2] == "sale" and not r[4])
        confirmed += sum(1 for r in mine if r[2] == "sale")
        approved_confirmed += sum(1 for r in mine if r[2] == "sale" and r[4])
        if unapproved > args.limit + 0.001:
            problems.append(
                f"customer {partner_id}: {unapproved:.2f} confirmed without an "
                f"approval, over the limit {args.limit:.2f}"
            )
    approvals = pg.rows(
        args.db,
        """
        SELECT a.id, so.state,
               (SELECT count(*) FROM credit_decision d
                 WHERE d.approval_id = a.id AND d.kind = 'approval')
          FROM credit_approval a JOIN sale_order so ON so.id = a.order_id
         WHERE a.order_id = ANY(%s)
        """,
        [order_ids],
    )
    for approval_id, state, decisions in approvals:
        if decisions != 1:
            problems.append(f"approval {approval_id}: {decisions} decision rows")
        if state != "sale":
            problems.append(f"approval {approval_id}: its order is {state}")
    orphans = pg.rows(
        args.db,
        "SELECT id FROM credit_decision WHERE kind = 'approval' "
        "AND (approval_id IS NULL OR order_id IS NULL)",
    )
    if orphans:
        problems.append(f"approval decisions without approval/order: {orphans}")
    return problems, confirmed, approved_confirmed, len(approvals)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--admin-password", default="admin")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--customers", type=int, default=3)
    parser.add_argument("--orders", type=int, default=30, help="per customer")
    parser.add_argument("--limit", type=float, default=1000.0)
    parser.add_argument("--amount", type=float, default=150.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.config = str(Path(args.config).resolve())

    pg = Pg(args.config)
    tag = f"{os.getpid()}_{int(time.time())}"
    logfile = os.path.join(tempfile.gettempdir(), f"credit_cut_{tag}.log")
    server = Server(args.config, args.db, logfile, workers=args.workers).wait_ready()
    deadlocks_before = pg.rows(
        args.db, "SELECT deadlocks FROM pg_stat_database WHERE datname = %s", [args.db]
    )[0][0]
    try:
        admin = Client(server.url, args.db, "admin", args.admin_password)
        users, partners = setup(admin, args, tag)
        order_ids = [o for orders in partners.values() for o in orders]
        stop = threading.Event()
        results, cuts = [], []
        # Logged in before the cuts start (a cut login is retried, not tested).
        logged = [
            tuple(
                Client(server.url, args.db, users[role], users[role])
                for role in ("salesman", "manager")
            )
            for _ in range(args.clients)
        ]
        threads = [
            threading.Thread(
                target=client_loop,
                args=(logged[i], order_ids, stop, args.seed * 1000 + i, results),
            )
            for i in range(args.clients)
        ]
        threads.append(
            threading.Thread(target=cutter, args=(pg, args.db, stop, args.seed, cuts))
        )
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        # Without cuts: every approved order still in draft is confirmed.
        salesman = Client(server.url, args.db, users["salesman"], users["salesman"])
        pending = pg.rows(
            args.db,
            "SELECT DISTINCT so.id FROM sale_order so JOIN credit_approval a "
            "ON a.order_id = so.id WHERE so.id = ANY(%s) AND so.state IN "
            "('draft', 'sent')",
            [order_ids],
        )
        settle = [
            outcome(
                lambda order_id=order_id: salesman.execute(
                    "sale.order", "action_confirm", [order_id]
                )
            )
            for (order_id,) in pending
        ]
    finally:
        server.stop()
    deadlocks = (
        pg.rows(
            args.db,
            "SELECT deadlocks FROM pg_stat_database WHERE datname = %s",
            [args.db],
        )[0][0]
        - deadlocks_before
    )
    problems, confirmed, approved_confirmed, approvals = check(pg, args, partners)
    kinds = {}
    for _op, kind, detail, _seconds in results:
        key = kind if kind != "rpc_error" else f"rpc_error: {detail[:60]}"
        if "cannot be confirmed" in detail:
            key = "refused by the credit check"
        kinds[key] = kinds.get(key, 0) + 1
    problems += [
        f"{op}: {detail}" for op, kind, detail, _s in results if kind == "transport"
    ][:10]
    problems += [
        f"approved order not confirmed afterwards: {detail}"
        for kind, detail, _s in settle
        if kind != "ok"
    ]
    if not confirmed or not any(kind == "ok" for _op, kind, _d, _s in results):
        problems.append("no order was confirmed: the run tested nothing")
    if not any(state != "idle" for state in cuts):
        problems.append("no connection was cut inside a transaction")
    log = server.log()
    if "deadlock detected" in log or deadlocks:
        problems.append(f"{deadlocks} deadlock(s) in PostgreSQL during the run")
    errors = sum(1 for line in log.splitlines() if " ERROR " in line)
    in_transaction = sum(1 for state in cuts if state != "idle")
    print(
        f"{len(results)} calls by {args.clients} clients in {args.seconds:.0f} s, "
        f"{len(cuts)} connections cut ({in_transaction} inside a transaction or a "
        f"query); answers: "
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda x: -x[1]))
        + f"; {confirmed} orders confirmed ({approved_confirmed} approved, "
        f"{approvals} approvals, {len(settle)} confirmed after the cuts); "
        f"{errors} ERROR lines in the server log {logfile}"
    )
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
