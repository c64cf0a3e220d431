#!/usr/bin/env bash
# Run the benchmark suite at the given sizes (default: S) and rewrite bench/RESULTS.md.
# Usage: bench/run_suite.sh [S] [M] [L]
#
# For each size, one ledger is generated once (deterministic, seed 42) into
# credit_bench_<size>_bare, a database with sale_management and account only; it is
# copied to credit_bench_<size> (credit_management installed) and
# credit_bench_<size>_oca (OCA account_financial_risk + sale_financial_risk), so
# the three variants hold the same data. The same runner then measures each one.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
setup_all
# OCA's modules, for the side-by-side figures only (never a dependency).
"$PY" -c 'import odoo.addons.sale_financial_risk' 2>/dev/null \
    || "$PY" -m pip install -q --disable-pip-version-check -r bench/requirements.txt \
        -c "$ODOO_SRC_DIR/requirements.txt"
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
    log "copying $bare to $oca and installing OCA sale_financial_risk"
    copy_db "$bare" "$oca"
    timed install_oca "$size" odoo_bin -d "$oca" -i sale_financial_risk --stop-after-init --log-level=warn
    # As a maintained database is (autovacuum): statistics and visibility map up to
    # date in the three variants alike, so that index-only scans need no heap fetch.
    for db in "$bare" "$ours" "$oca"; do
        psql -q -d "$db" -c "VACUUM ANALYZE"
    done
    rerate_repeat=2 repeat=5
    [ "$size" = L ] && rerate_repeat=1 repeat=3
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
done
"$PY" bench/report.py "$out" > bench/RESULTS.md
log "bench/RESULTS.md rewritten"
