#!/usr/bin/env bash
# Run the benchmark suite at the given sizes (default: S) and rewrite bench/RESULTS.md.
# Usage: bench/run_suite.sh [S] [M] [L]
#
# For each size, one ledger is generated once (deterministic, seed 42) into
# credit_bench_<size>_bare, a database with sale_management and account only; it is
# copied to credit_bench_<size> (credit_management installed) and
# credit_bench_<size>_oca (OCA account_financial_risk + sale_financial_risk +
# account_financial_report), so the three variants hold the same data. The data is
# checked (bench/selftest.py: the suite stops if it is degenerate), the same runner
# measures each variant, then bench/overhead.py and bench/aged_balance.py compare
# them side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
setup_all
# OCA's modules, for the side-by-side figures only (never a dependency), go into a
# virtualenv of the bench: .local/bench-venv sees the project's packages (its
# site-packages is added as a site directory) and adds bench/requirements.txt, so
# the project's virtualenv, used by the tests, never holds them.
bench_venv="$LOCAL/bench-venv"
bench_stamp="$bench_venv/.bench-$( (echo "$PY"; cat bench/requirements.txt) | sha1sum | cut -c1-12)"
if [ ! -f "$bench_stamp" ]; then
    log "creating $bench_venv (the project's packages + bench/requirements.txt)"
    "$PY" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' \
        || die "bench/run_suite.sh needs the project's virtualenv (scripts/lib.sh)"
    base_python="$("$PY" -c 'import sys, os; print(os.path.join(sys.base_prefix, "bin", "python3"))')"
    "$base_python" -m venv "$bench_venv"
    project_site="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    bench_site="$("$bench_venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    echo "import site; site.addsitedir('$project_site')" > "$bench_site/zz_project_venv.pth"
    "$bench_venv/bin/python" -m pip install -q --disable-pip-version-check \
        -r bench/requirements.txt -c "$ODOO_SRC_DIR/requirements.txt"
    rm -f "$bench_venv"/.bench-*
    touch "$bench_stamp"
fi
PY="$bench_venv/bin/python"  # odoo_bin and every bench script below run with it
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(S); fi
out="$LOCAL/bench.jsonl"
: > "$out"
timed() { # name, command...: run, append {"label","timing":name,"seconds"} to $out
    local name=$1 label=$2; shift 2
    local start=$EPOCHREALTIME
    "$@"
    awk -v s="$start" -v e="$EPOCHREALTIME" -v l="$label" -v n="$name" \
        'BEGIN { printf "{\"label\": \"%s\", \"timing\": \"%s\", \"seconds\": %.1f}\n", l, n, e - s }' >> "$out"
}
copy_db() { # source target
    dropdb --if-exists "$2"
    createdb -T "$1" "$2"
}
for size in "${sizes[@]}"; do
    lower=$(echo "$size" | tr 'A-Z' 'a-z')
    bare="credit_bench_${lower}_bare" ours="credit_bench_${lower}" oca="credit_bench_${lower}_oca"
    if ! db_exists "$bare"; then
        log "creating $bare (sale_management, account, no demo data) and generating size $size"
        odoo_bin -d "$bare" -i sale_management,account --without-demo --stop-after-init --log-level=warn
        timed generate "$size" "$PY" bench/generate.py --config "$CONF" --db "$bare" --size "$size"
    fi
    log "copying $bare to $ours and installing credit_management"
    copy_db "$bare" "$ours"
    timed install_ours "$size" odoo_bin -d "$ours" -i credit_management --stop-after-init --log-level=warn
    log "checking that the generated data is not degenerate (bench/selftest.py)"
    "$PY" bench/selftest.py --config "$CONF" --db "$ours" --label "$size" --json "$out"
    log "copying $bare to $oca and installing OCA sale_financial_risk, account_financial_report"
    copy_db "$bare" "$oca"
    timed install_oca "$size" odoo_bin -d "$oca" -i sale_financial_risk,account_financial_report \
        --stop-after-init --log-level=warn
    # As a maintained database is (autovacuum): statistics and visibility map up to
    # date in the three variants alike, so that index-only scans need no heap fetch.
    for db in "$bare" "$ours" "$oca"; do
        psql -q -d "$db" -c "VACUUM ANALYZE"
    done
    rerate_repeat=2 repeat=5 aged_repeat=5
    [ "$size" = M ] && aged_repeat=3
    [ "$size" = L ] && rerate_repeat=1 repeat=3 aged_repeat=2
    for mode in bare ours oca; do
        db=$bare
        [ "$mode" = ours ] && db=$ours
        [ "$mode" = oca ] && db=$oca
        log "benchmarking $db ($mode)"
        "$PY" bench/run.py --config "$CONF" --db "$db" --mode "$mode" --label "$size" \
            --json "$out" --repeat "$repeat" --rerate-repeat "$rerate_repeat"
    done
    log "peak RSS of the re-rating alone, in a process of its own"
    "$PY" bench/run.py --config "$CONF" --db "$ours" --mode ours --label "$size" \
        --json "$out" --repeat 1 --rerate-repeat 1 --rerate-only
    log "posting and payment overhead: the three databases in interleaved rounds"
    "$PY" bench/overhead.py --config "$CONF" --size "$size" --json "$out"
    log "action_confirm: ours, bare Odoo and OCA in interleaved rounds"
    "$PY" bench/confirm_ab.py --config "$CONF" --size "$size" --json "$out" \
        --rounds 30 --results bench/RESULTS.md
    log "aged receivables: ours against OCA's Aged Partner Balance, today and 180 days back"
    "$PY" bench/aged_balance.py --config "$CONF" --size "$size" --json "$out" \
        --repeat "$aged_repeat"
    log "credit file: securities in the check, credit information in the re-rating"
    "$PY" bench/credit_file.py --config "$CONF" --db "$ours" --label "$size" --json "$out"
    # Its rows are rolled back, but stay as dead tuples that every later
    # re-rating reads through the partner indexes (securities, statements,
    # ratings: 500,000 at L) until a vacuum, as autovacuum would do.
    psql -q -d "$ours" -c "VACUUM ANALYZE"
    log "periodic re-rating on 1 and 2 cron workers (a prefork server on a copy of $ours)"
    "$PY" bench/rerate_workers.py --config "$CONF" --db "$ours" --label "$size" \
        --json "$out" --repeat "$rerate_repeat" --results bench/RESULTS.md
    log "re-rating against its write floor (psql writing the same rows)"
    "$PY" bench/write_floor.py --config "$CONF" --db "$ours" --label "$size" \
        --json "$out" --repeat "$rerate_repeat" --results bench/RESULTS.md
    log "read side of the re-rating against OCA's recompute, interleaved"
    "$PY" bench/read_side.py --config "$CONF" --size "$size" --json "$out" \
        --repeat "$repeat" --results bench/RESULTS.md
    log "peak memory of every scheduled job, each in a process of its own"
    psql -q -d "$ours" -c "VACUUM"
    "$PY" bench/job_memory.py --config "$CONF" --db "$ours" --label "$size" \
        --json "$out" --results bench/RESULTS.md
done
# The import of a 10,000-line agency file, once, on a database of its own.
import_db=credit_bench_import
if ! db_exists "$import_db"; then
    log "creating $import_db (credit_management, 10,000 rated customers)"
    odoo_bin -d "$import_db" -i credit_management --without-demo --stop-after-init \
        --log-level=warn
    "$PY" bench/import_ratings.py --config "$CONF" --db "$import_db" --setup --repeat 1
fi
log "import of an agency file (bench/import_ratings.py)"
"$PY" bench/import_ratings.py --config "$CONF" --db "$import_db" --json "$out"
# Sections other scripts write into RESULTS.md (between <!-- name:begin/end -->
# markers: the collections run, ...) are kept by report.py.
"$PY" bench/report.py "$out" --keep bench/RESULTS.md > "$LOCAL/RESULTS.md.new"
mv "$LOCAL/RESULTS.md.new" bench/RESULTS.md
log "bench/RESULTS.md rewritten"
