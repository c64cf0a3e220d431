#!/usr/bin/env bash
# Run the benchmark suite at the given sizes (default: S M) and rewrite bench/RESULTS.md.
# Usage: bench/run_suite.sh [S] [M] [L]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
setup_all
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(S M); fi
out="$LOCAL/bench.jsonl"
: > "$out"
for size in "${sizes[@]}"; do
    db="credit_bench_$(echo "$size" | tr 'A-Z' 'a-z')"
    if ! db_exists "$db"; then
        log "creating $db"
        odoo_bin -d "$db" -i credit_management --stop-after-init --log-level=warn
        "$PY" bench/generate.py --config "$CONF" --db "$db" --size "$size" | tee "$LOCAL/generate-$size.txt"
    fi
    log "benchmarking $db"
    "$PY" bench/run.py --config "$CONF" --db "$db" --label "$size" --json "$out" --repeat 5
done
"$PY" bench/report.py "$out" > bench/RESULTS.md
log "bench/RESULTS.md rewritten"
