"""Concurrent confirmations against one credit limit, on a real multi-worker server.

Starts Odoo in multi-worker mode (``--workers 4``) on a free loopback port, on a
database where credit_management is installed, and sets up over JSON-RPC:

- a customer with a credit limit ``--limit`` (default 1000) and no open items;
- ``--clients`` draft orders (default 20) of ``--amount`` each (default 150), so that
  only ``limit // amount`` of them fit under the limit;
- a salesman user (sales "own documents" rights, no credit rights) who confirms them.

Then ``--clients`` threads, released together by a barrier, each confirm one order
through ``/jsonrpc`` as that salesman. The run passes when:

- the confirmed total never exceeds the limit, and exactly ``limit // amount`` orders
  were accepted (the policy serialised the checks, it did not just reject at random);
- every rejected client received the credit message ("cannot be confirmed");
- no client got another error (HTTP 500, serialization failure that exhausted Odoo's
  retries, timeout) and the server log has no ERROR/CRITICAL line and no deadlock.

Without the lock taken by ``sale.order._credit_lock_partners`` the same run
confirms more orders than fit (measured: see the reliability issue's note).

Usage (from the repository root; ``scripts/test`` runs it on its test database):
    .venv/bin/python tests/concurrent_confirm.py --db credit_test [--clients 20]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from odoo_process import Client, RpcError, create_orders, free_port, odoo_bin

ROOT = Path(__file__).resolve().parent.parent


def start_server(args, port, logfile):
    # odoo-bin, not ``python -m odoo``: the prefork server re-executes sys.argv[0]
    # for its gevent (long polling) process.
    odoo = odoo_bin()
    command = [
        sys.executable,
        str(odoo),
        "-c",
        args.config,
        "-d",
        args.db,
        "--db-filter",
        f"^{re.escape(args.db)}$",
        "--workers",
        str(args.workers),
        "--max-cron-threads",
        "0",
        "--http-interface",
        "127.0.0.1",
        "--http-port",
        str(port),
        "--gevent-port",
        str(free_port()),
        "--logfile",
        logfile,
        "--log-level",
        "info",
    ]
    server = subprocess.Popen(command, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5) as response:
                if response.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the server did not answer within 120 s")


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
    partner_id = admin.execute(
        "res.partner",
        "create",
        {
            "name": f"Concurrent Customer {tag}",
            "is_company": True,
            "credit_limit": args.limit,
            "credit_hold": False,
        },
    )
    product_id = admin.execute(
        "product.product",
        "create",
        {"name": f"Concurrent Service {tag}", "type": "service", "list_price": 1},
    )
    group_id = admin.execute(
        "ir.model.data", "check_object_reference", "sales_team", "group_sale_salesman"
    )[1]
    password = f"concurrent-{tag}"
    user_id = admin.execute(
        "res.users",
        "create",
        {
            "name": f"Concurrent Salesman {tag}",
            "login": f"concurrent_{tag}",
            "password": password,
            "group_ids": [(6, 0, [group_id])],
            "company_id": company_id,
            "company_ids": [(6, 0, [company_id])],
        },
    )
    order_ids = create_orders(
        admin, partner_id, user_id, product_id, args.amount, args.clients
    )
    return partner_id, user_id, password, order_ids


def confirm_all(url, args, login, password, order_ids):
    clients = [Client(url, args.db, login, password) for _ in order_ids]
    barrier = threading.Barrier(len(order_ids))
    results = [None] * len(order_ids)

    def confirm(index):
        barrier.wait()
        start = time.perf_counter()
        try:
            clients[index].execute("sale.order", "action_confirm", [order_ids[index]])
            outcome = ("confirmed", "")
        except RpcError as error:
            outcome = ("rpc_error", f"{error.name}: {error.message}")
        except Exception as error:  # noqa: BLE001 - every failure is reported
            outcome = ("failure", repr(error))
        results[index] = (*outcome, time.perf_counter() - start)

    threads = [
        threading.Thread(target=confirm, args=(i,)) for i in range(len(order_ids))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--admin-password", default="admin")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--limit", type=float, default=1000.0)
    parser.add_argument("--amount", type=float, default=150.0)
    args = parser.parse_args()

    tag = f"{os.getpid()}_{int(time.time())}"
    port = free_port()
    logfile = os.path.join(tempfile.gettempdir(), f"credit_concurrent_{tag}.log")
    server, url = start_server(args, port, logfile)
    try:
        admin = Client(url, args.db, "admin", args.admin_password)
        partner_id, _user_id, password, order_ids = setup(admin, args, tag)
        start = time.perf_counter()
        results = confirm_all(url, args, f"concurrent_{tag}", password, order_ids)
        elapsed = time.perf_counter() - start
        orders = admin.execute(
            "sale.order", "read", order_ids, ["state", "amount_total"]
        )
        exposure = admin.execute(
            "res.partner", "read", [partner_id], ["credit_exposure"]
        )[0]["credit_exposure"]
    finally:
        server.terminate()
        server.wait(timeout=60)

    confirmed = [o for o in orders if o["state"] == "sale"]
    total = sum(o["amount_total"] for o in confirmed)
    expected = int(args.limit // args.amount)
    credit_refusals = [r for r in results if "cannot be confirmed" in r[1]]
    other_errors = [
        r for r in results if r[0] != "confirmed" and r not in credit_refusals
    ]
    with open(logfile) as log:
        log_text = log.read()
    bad_log = [
        line
        for line in log_text.splitlines()
        if re.search(r" (ERROR|CRITICAL) |deadlock detected", line)
    ]
    retries = len(re.findall(r"tries left, try again", log_text))
    durations = sorted(r[2] for r in results)
    print(
        f"{len(results)} clients, {args.workers} workers: {len(confirmed)} confirmed "
        f"(total {total:.2f} of limit {args.limit:.2f}, expected {expected}), "
        f"{len(credit_refusals)} refused with the credit message, "
        f"{len(other_errors)} other errors; {retries} serialization retries by the "
        f"server; exposure after: {exposure:.2f}; wall {elapsed:.1f} s, "
        f"slowest client {durations[-1]:.1f} s; server log {logfile}"
    )
    problems = []
    if total > args.limit:
        problems.append(f"confirmed total {total} exceeds the limit {args.limit}")
    if len(confirmed) != expected:
        problems.append(f"{len(confirmed)} orders confirmed, expected {expected}")
    if len(credit_refusals) != len(results) - expected:
        problems.append("not every rejected client got the credit message")
    if exposure > args.limit:
        problems.append(f"exposure {exposure} exceeds the limit")
    for outcome in other_errors:
        problems.append(f"client error: {outcome[1]}")
    problems.extend(f"server log: {line}" for line in bad_log[:10])
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
