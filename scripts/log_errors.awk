# Print the errors of an Odoo log: lines at ERROR or CRITICAL level and
# tracebacks, except the cursor's "bad query" report of a serialization failure
# ("could not serialize access due to concurrent update", on its next line):
# the credit jobs catch that one, undo the batch and come back later
# (credit.job.run, CreditBusy), but Odoo's cursor logs it at ERROR level first.
# Those are counted on stderr instead.
function flush() {
    if (pending != "") print pending
    pending = ""
}
/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] / {
    flush()
    if ($0 ~ / (ERROR|CRITICAL) /) {
        if ($0 ~ / odoo\.sql_db: bad query: /) pending = $0
        else print
    }
    next
}
pending != "" && /could not serialize access due to concurrent update/ {
    pending = ""
    retried++
    next
}
/Traceback/ { flush(); print }
END {
    flush()
    if (retried) printf "%d serialization conflict(s) between jobs, undone and retried\n", retried > "/dev/stderr"
}
