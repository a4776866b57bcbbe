#!/bin/sh
# Batch redaction job: redacts every *.jsonl file of IN_DIR into OUT_DIR (same names), with one
# findings report per file (OUT_DIR/<name>.findings.json: rule, line, column and a safe preview,
# never the secret), then prints a one-line summary per file.
#
# Usage: examples/batch-redact/redact-batch.sh IN_DIR OUT_DIR [redact options...]
#   e.g.  redact-batch.sh logs/ clean/ --field /choices/0/message/content --disable phone-number
# Environment: PYWARDEN (binary, default `pywarden` on PATH).
# Exit: 0 when every file was processed (whether or not something was redacted), 2 on the first
# error (`pywarden redact` exits 1 for "found something", which is success for this job).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 IN_DIR OUT_DIR [redact options...]" >&2; exit 2; }
pywarden=${PYWARDEN:-pywarden}
in=$1 out=$2
shift 2
mkdir -p "$out"
found=0
for f in "$in"/*.jsonl; do
    [ -e "$f" ] || { echo "no *.jsonl files in $in" >&2; exit 2; }
    name=$(basename "$f")
    rc=0
    "$pywarden" redact --jsonl --no-progress --report "$out/$name.findings.json" \
        -o "$out/$name" "$@" "$f" || rc=$?
    case $rc in
        0) echo "$name: clean" ;;
        1) found=$((found + 1)); echo "$name: redacted" ;;
        *) echo "$name: pywarden redact failed (exit $rc)" >&2; exit 2 ;;
    esac
done
echo "done: $found file(s) had findings; reports in $out/*.findings.json"
