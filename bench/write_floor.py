"""The write floor of the periodic re-rating, measured in the same run as the
re-rating itself and its read side (issue 19).

On the ``ours`` database, in one process:

1. the read side: every factor value and score, batch by batch as the job
   does, nothing written (as ``bench/run.py``'s ``score_all``);
2. the full re-rating of every customer, as the scheduler runs it (tracking on,
   the job's batches), each run in a savepoint rolled back; the last run also
   captures what it wrote: PostgreSQL's own per-transaction counters
   (``pg_stat_xact_user_tables``) say which tables it inserted into or updated,
   the new rows of each are copied out (``COPY … TO STDOUT``), and so are the
   new values of the customer columns it changed;
3. the floor: psql writes those same rows again, in a transaction rolled back:
   ``\\copy`` of the new rows into each table (with its indexes, constraints and
   foreign-key triggers) and one ``UPDATE … FROM`` of the changed customer
   columns, timed statement by statement with ``\\timing``.

Target: full re-rating ≤ 3 × (read side + write floor).

Usage: .venv/bin/python bench/write_floor.py --db credit_bench_m --label M \
        [--repeat 2] [--json out.jsonl] [--results bench/RESULTS.md]
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).parent))
from report import append_record, records_of, write_section
from run import stats, timed

BEGIN = "<!-- write-floor:begin -->"
END = "<!-- write-floor:end -->"
STATS = """
SELECT relname, n_tup_ins, n_tup_upd, n_tup_del
  FROM pg_stat_xact_user_tables
"""


# Tables a re-rating writes (bench/RESULTS.md lists them): vacuumed before
# each measured run. A run rolled back leaves its rows as dead tuples, still in
# the indexes until a vacuum: after nine rolled-back passes at L, looking for
# the open warnings of a batch read 500,000 dead activities.
WRITTEN_TABLES = [
    "bus_bus",
    "credit_decision",
    "credit_job_run",
    "credit_review",
    "credit_review_line",
    "ir_cron_trigger",
    "mail_activity",
    "mail_followers",
    "mail_followers_mail_message_subtype_rel",
    "mail_message",
    "mail_tracking_value",
    "res_partner",
]


def vacuum(db):
    """VACUUM the tables a re-rating writes (another connection: the rows
    of rolled-back runs are dead to every transaction)."""
    subprocess.run(
        ["psql", "-X", "-q", "-d", db, "-c", "VACUUM " + ", ".join(WRITTEN_TABLES)],
        check=True,
    )


def xact_counts(cr):
    """{table: (inserted, updated, deleted)} in this transaction so far."""
    cr.execute(STATS)
    return {name: counts for name, *counts in cr.fetchall()}


def touched(before, after):
    """{table: (inserted, updated, deleted)} between two ``xact_counts``."""
    diff = {}
    for table, counts in after.items():
        old = before.get(table, (0, 0, 0))
        delta = tuple(new - was for new, was in zip(counts, old, strict=True))
        if any(delta):
            diff[table] = delta
    return diff


def columns_of(cr, table):
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = %s
      ORDER BY ordinal_position
        """,
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def foreign_keys(cr, table):
    """[(column, referenced table)] of ``table``'s single-column foreign keys."""
    cr.execute(
        """
        SELECT a.attname, c.confrelid::regclass::text
          FROM pg_constraint c
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.conrelid = %s::regclass
           AND array_length(c.conkey, 1) = 1
        """,
        [table],
    )
    return cr.fetchall()


def max_ids(cr, tables):
    """{table: highest id} of ``tables`` (tables with an id column)."""
    maxima = {}
    for table in tables:
        cr.execute(f'SELECT COALESCE(max(id), 0) FROM "{table}"')
        maxima[table] = cr.fetchone()[0]
    return maxima


def copy_out(cr, query, path):
    """Copy the rows of ``query`` into the file at ``path``: how many."""
    with open(path, "w") as out:
        cr._obj.copy_expert(f"COPY ({query}) TO STDOUT", out)
    with open(path) as copied:
        return sum(1 for _ in copied)


def capture(env, run, directory):
    """Run ``run`` (one full re-rating) in a savepoint rolled back, timed, and
    copy out what it wrote: the new rows of every table it inserted into, and
    the new values of the res_partner columns it changed.

    :return: (seconds, plan of the floor)
    """
    cr = env.cr
    env.flush_all()
    plan = {"copies": [], "partner": None, "other_updates": {}, "uncovered": {}}
    with cr.savepoint(flush=False) as savepoint:
        cr.execute(
            """
            SELECT table_name FROM information_schema.columns c
              JOIN information_schema.tables t USING (table_schema, table_name)
             WHERE c.table_schema = 'public' AND c.column_name = 'id'
               AND t.table_type = 'BASE TABLE'
            """
        )
        maxima = max_ids(cr, [row[0] for row in cr.fetchall()])
        partner_columns = columns_of(cr, "res_partner")
        cr.execute("CREATE TEMP TABLE floor_before AS SELECT * FROM res_partner")
        before = xact_counts(cr)
        start = time.perf_counter()
        run()
        env.flush_all()
        elapsed = time.perf_counter() - start
        written = touched(before, xact_counts(cr))
        written.pop("floor_before", None)
        for table, (inserted, updated, _deleted) in sorted(written.items()):
            if inserted:
                if table in maxima:
                    where = f"id > {maxima[table]}"
                else:
                    keys = [
                        (column, ref)
                        for column, ref in foreign_keys(cr, table)
                        if ref in maxima and written.get(ref, (0,))[0]
                    ]
                    if not keys:
                        plan["uncovered"][table] = inserted
                        continue
                    column, ref = keys[0]
                    where = f'"{column}" > {maxima[ref]}'
                path = directory / f"{table}.copy"
                rows = copy_out(cr, f'SELECT * FROM "{table}" WHERE {where}', path)
                plan["copies"].append({"table": table, "rows": rows, "path": str(path)})
            if updated and table != "res_partner":
                plan["other_updates"][table] = updated
        # The customer columns the run changed, on the rows it changed.
        distinct = ", ".join(
            f'count(*) FILTER (WHERE p."{c}" IS DISTINCT FROM b."{c}")'
            for c in partner_columns
            if c != "id"
        )
        cr.execute(
            f"SELECT {distinct} FROM res_partner p JOIN floor_before b USING (id)"
        )
        counts = cr.fetchone()
        changed = [
            c
            for c, n in zip(
                [c for c in partner_columns if c != "id"], counts, strict=True
            )
            if n
        ]
        if changed:
            differs = " OR ".join(f'p."{c}" IS DISTINCT FROM b."{c}"' for c in changed)
            names = ", ".join(f'p."{c}"' for c in changed)
            path = directory / "res_partner.update"
            rows = copy_out(
                cr,
                f"SELECT p.id, {names} FROM res_partner p "
                f"JOIN floor_before b USING (id) WHERE {differs}",
                path,
            )
            plan["partner"] = {
                "columns": changed,
                "rows": rows,
                "path": str(path),
            }
        savepoint.rollback()
    env.invalidate_all()
    return elapsed, plan


def floor_script(plan):
    """The psql script writing ``plan``'s rows again, each statement timed."""
    lines = ["\\set ON_ERROR_STOP 1", "BEGIN;", "\\timing on"]
    for copy in plan["copies"]:
        lines.append(f"\\copy \"{copy['table']}\" FROM '{copy['path']}'")
    partner = plan["partner"]
    if partner:
        names = ", ".join(f'"{c}"' for c in partner["columns"])
        sets = ", ".join(f'"{c}" = f."{c}"' for c in partner["columns"])
        lines += [
            (
                f"CREATE TEMP TABLE floor_partner AS SELECT id, {names} "
                "FROM res_partner LIMIT 0;"
            ),
            f"\\copy floor_partner FROM '{partner['path']}'",
            f"UPDATE res_partner p SET {sets} FROM floor_partner f WHERE p.id = f.id;",
        ]
    lines += ["\\timing off", "ROLLBACK;"]
    return "\n".join(lines) + "\n"


def psql_floor(db, plan, repeat):
    """Median seconds of the whole floor and of each statement (the first of
    ``repeat + 1`` runs warms the caches)."""
    script = floor_script(plan)
    statements = [c["table"] for c in plan["copies"]]
    if plan["partner"]:
        statements += ["(temp table)", "res_partner (copy)", "res_partner (update)"]
    runs = []
    for _ in range(repeat + 1):
        vacuum(db)
        output = subprocess.run(
            ["psql", "-X", "-q", "-d", db],
            input=script,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        times = [float(t) / 1000 for t in re.findall(r"Time: ([0-9.]+) ms", output)]
        if len(times) != len(statements):
            raise RuntimeError(f"psql printed {len(times)} timings: {output}")
        runs.append(times)
    runs = runs[1:]
    return stats([sum(times) for times in runs]), {
        name: statistics.median(times[i] for times in runs)
        for i, name in enumerate(statements)
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    parser.add_argument("--results", help="rewrite the write-floor section here")
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    record = {
        "label": args.label,
        "mode": "write_floor",
        "db": args.db,
        "measured": f"{datetime.now(UTC):%Y-%m-%d}",
    }
    with registry.cursor() as cr, tempfile.TemporaryDirectory() as tmp:
        # As the scheduler runs the job: no tracking_disable in the context.
        env = api.Environment(cr, SUPERUSER_ID, {})
        env.company.write({"credit_control_enabled": True})
        env.flush_all()
        Partner = env["res.partner"]
        scoring = env["credit.scoring"]
        partner_ids = Partner.search([("name", "=like", "Bench Customer %")]).ids
        record["customers"] = len(partner_ids)

        def score_all():
            env.invalidate_all()
            factors = scoring._credit_scorecard(
                env.company.credit_score_factor_ids
            )  # the job: per batch
            for start in range(0, len(partner_ids), 500):
                batch = Partner.browse(partner_ids[start : start + 500])
                raws = scoring._credit_factor_raw_values(batch)
                for partner_id in batch.ids:
                    scoring._credit_score(raws[partner_id], factors)

        def rerate_all():
            with patch.object(
                type(env["ir.cron"]), "_commit_progress", lambda *a, **k: 3600.0
            ):
                env["credit.rerate"]._cron_rerate(env.company.ids)

        # Timed as bench/run.py does (no warm-up run); the last run also
        # copies out what it wrote.
        samples = []
        for _ in range(args.repeat - 1):
            vacuum(args.db)
            with cr.savepoint(flush=False) as savepoint:
                start = time.perf_counter()
                rerate_all()
                env.flush_all()
                samples.append(time.perf_counter() - start)
                savepoint.rollback()
            env.invalidate_all()
        vacuum(args.db)
        elapsed, plan = capture(env, rerate_all, Path(tmp))
        record["rerate_full"] = stats([*samples, elapsed])
        record["score_all"] = timed(score_all, max(args.repeat, 3))
        cr.rollback()
        record["floor"], record["floor_statements"] = psql_floor(
            args.db, plan, max(args.repeat, 2)
        )
    record["rows"] = {c["table"]: c["rows"] for c in plan["copies"]}
    if plan["partner"]:
        record["rows"]["res_partner (updated)"] = plan["partner"]["rows"]
        record["partner_columns"] = plan["partner"]["columns"]
    record["other_updates"] = plan["other_updates"]
    record["uncovered"] = plan["uncovered"]
    full = record["rerate_full"]["median"]
    bound = record["score_all"]["median"] + record["floor"]["median"]
    record["ratio"] = full / bound
    print(json.dumps(record, indent=2))
    if args.json:
        append_record(args.json, record)
    if args.results and args.json:
        write_results(args.json, args.results)


def seconds(figure):
    return f"{figure['median']:.2f} s ({figure['min']:.2f}–{figure['max']:.2f})"


def write_results(jsonl, results):
    runs = records_of(jsonl, "write_floor")
    labels = [label for label in ("S", "M", "L") if label in runs]
    out = [
        BEGIN,
        "## Re-rating against its write floor",
        "",
        (
            "`bench/write_floor.py` on the `ours` database, in one process: the "
            "read side (every factor value and score, in the job's batches, "
            "nothing written), the full re-rating as the scheduler runs it "
            "(tracking on; in a savepoint rolled back), and the **write floor**: "
            "psql writing the very rows that re-rating wrote (copied out of its "
            "transaction) with `\\copy` into each table, with its indexes and "
            "foreign keys, and the changed customer columns with one `UPDATE … "
            "FROM`. Target: full ≤ 3 × (read side + floor). Measured "
            + ", ".join(f"{label} {runs[label]['measured']}" for label in labels)
            + "."
        ),
        "",
        (
            "| size | customers | read side | write floor | read + floor | "
            "full re-rating | full ÷ (read + floor) |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label in labels:
        record = runs[label]
        bound = record["score_all"]["median"] + record["floor"]["median"]
        out.append(
            f"| {label} | {record['customers']:,} | {seconds(record['score_all'])} "
            f"| {seconds(record['floor'])} | {bound:.2f} s "
            f"| {seconds(record['rerate_full'])} | {record['ratio']:.1f}× "
            f"→ {'**met**' if record['ratio'] <= 3 else '**missed**'} |"
        )
    if labels:
        record = runs[labels[-1]]
        out += [
            "",
            f"What the floor writes at {labels[-1]} (rows; median seconds of psql):",
            "",
            "| table | rows | floor |",
            "| --- | --- | --- |",
        ]
        statements = record["floor_statements"]
        for table, rows in record["rows"].items():
            key = "res_partner (update)" if table.startswith("res_partner") else table
            out.append(f"| {table} | {rows:,} | {statements[key] * 1000:.0f} ms |")
        if record.get("partner_columns"):
            out += [
                "",
                "Customer columns updated: "
                + ", ".join(f"`{c}`" for c in record["partner_columns"])
                + ".",
            ]
        if record.get("other_updates"):
            out.append(
                "Also updated by the re-rating (its own new rows: counted in the "
                "copies above): "
                + ", ".join(f"{t} {n}" for t, n in record["other_updates"].items())
                + "."
            )
        if record.get("uncovered"):
            out.append(
                "Not in the floor (no id to find the new rows by): "
                + ", ".join(f"{t} {n}" for t, n in record["uncovered"].items())
                + "."
            )
    out += ["", END]
    write_section(results, BEGIN, END, "\n".join(out))


if __name__ == "__main__":
    main()
