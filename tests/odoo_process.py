"""What the out-of-process checks share: PostgreSQL from Odoo's configuration
file, copies of databases (with their filestore), and a real Odoo server in a
process of its own (odoo-bin, so that the prefork server can re-execute itself
for its long-polling process).

Used by tests/kill_cron.py, tests/lost_connection.py and bench/mixed_load.py.
"""

import configparser
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_orders(client, partner_id, user_id, product_id, amount, count):
    """``count`` draft orders of ``partner_id`` sold by ``user_id``, each one
    line of ``product_id`` at ``amount`` without tax, in one call: their ids."""
    return client.execute(
        "sale.order",
        "create",
        [
            {
                "partner_id": partner_id,
                "user_id": user_id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product_id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_ids": [(6, 0, [])],
                        },
                    )
                ],
            }
            for _ in range(count)
        ],
    )


class RpcError(Exception):
    def __init__(self, error):
        data = error.get("data") or {}
        self.name = data.get("name", "")
        self.message = data.get("message") or error.get("message", "")
        super().__init__(f"{self.name}: {self.message}")


class TransportError(Exception):
    """Not a JSON-RPC answer: an HTTP error page, a closed socket, a timeout."""


class Client:
    def __init__(self, url, db, login, password, timeout=120):
        self.url, self.db, self.password, self.timeout = url, db, password, timeout
        for _ in range(20):
            try:
                self.uid = self.call("common", "login", db, login, password)
                break
            except RpcError:
                time.sleep(0.2)  # a cut connection: log in again
        if not self.uid:
            raise SystemExit(f"cannot log in as {login!r} on {db!r}")

    def call(self, service, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": list(args)},
        }
        request = urllib.request.Request(
            f"{self.url}/jsonrpc",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise TransportError(f"HTTP {error.code}") from error
        except OSError as error:
            raise TransportError(repr(error)) from error
        try:
            body = json.loads(raw)
        except ValueError as error:
            raise TransportError(f"not JSON: {raw[:200]!r}") from error
        if "error" in body:
            raise RpcError(body["error"])
        return body["result"]

    def execute(self, model, method, *args, **kwargs):
        return self.call(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )


class Pg:
    """Connections to the PostgreSQL server of an Odoo configuration file."""

    def __init__(self, config_path):
        parser = configparser.ConfigParser()
        parser.read(config_path)
        options = parser["options"]
        self.params = {}
        for key in ("host", "port", "user", "password"):
            value = options.get(f"db_{key}")
            if value and value != "False":
                self.params[key] = value
        data_dir = options.get("data_dir")
        self.filestore = Path(data_dir) / "filestore" if data_dir else None

    def connect(self, db, autocommit=True):
        cnx = psycopg2.connect(dbname=db, **self.params)
        cnx.autocommit = autocommit
        return cnx

    def rows(self, db, query, params=None):
        with self.connect(db) as cnx, cnx.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else []

    def exists(self, db):
        return bool(
            self.rows("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [db])
        )

    def drop(self, db):
        cnx = self.connect("postgres")
        try:
            with cnx.cursor() as cr:
                cr.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [db],
                )
                cr.execute(f'DROP DATABASE IF EXISTS "{db}"')
        finally:
            cnx.close()
        if self.filestore:
            shutil.rmtree(self.filestore / db, ignore_errors=True)

    def copy(self, source, target):
        """``target`` as a copy of ``source`` (which nobody may be connected to)."""
        self.drop(target)
        cnx = self.connect("postgres")
        try:
            with cnx.cursor() as cr:
                cr.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
        finally:
            cnx.close()
        if self.filestore and (self.filestore / source).is_dir():
            shutil.copytree(self.filestore / source, self.filestore / target)


def odoo_bin():
    """The ``odoo-bin`` of the Odoo source tree ``odoo`` is imported from.

    ``odoo`` is a namespace package: where addons are installed as wheels (the
    bench's virtualenv holds OCA's), its first location is the virtualenv's
    ``site-packages/odoo``, which holds only ``addons``; the source tree is
    another location.
    """
    package = importlib.util.find_spec("odoo").submodule_search_locations
    for location in package:
        candidate = Path(location).parent / "odoo-bin"
        if candidate.is_file():
            return candidate
    raise SystemExit(f"odoo-bin not found beside any of {list(package)}")


class Server:
    """An Odoo server (``odoo-bin``) in its own process group, on one database."""

    def __init__(self, config, db, logfile, workers=2, cron_threads=0, extra=()):
        self.db, self.logfile = db, logfile
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            str(odoo_bin()),
            "-c",
            config,
            "-d",
            db,
            "--db-filter",
            f"^{re.escape(db)}$",
            "--workers",
            str(workers),
            "--max-cron-threads",
            str(cron_threads),
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(free_port()),
            "--logfile",
            logfile,
            "--log-level",
            "info",
            *extra,
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(
                    f"{self.url}/web/health", timeout=5
                ) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit(f"the server did not answer within {timeout} s")

    def log(self):
        try:
            return Path(self.logfile).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def cron_worker_pid(self):
        """The pid of the live cron worker process (prefork server): the last
        one the log says alive that is still a child of the server."""
        children = {
            int(pid)
            for pid in subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
        }
        alive = [
            int(pid)
            for pid in re.findall(r"Worker WorkerCron \((\d+)\) alive", self.log())
        ]
        for pid in reversed(alive):
            if pid in children:
                return pid
        return None

    def stop(self, timeout=60):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # workers left behind by a killed master
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def bad_log_lines(text, allowed=()):
    """ERROR/CRITICAL lines and deadlocks of a server log, but those matching one
    of the ``allowed`` regular expressions."""
    lines = []
    for line in text.splitlines():
        if re.search(r" (ERROR|CRITICAL) |deadlock detected", line) and not any(
            re.search(pattern, line) for pattern in allowed
        ):
            lines.append(line)
    return lines
