#!/bin/sh
# The CI job of a team that extends the default pywarden policy with its own rule and knobs:
#   1. assemble a policy directory: the default policies/ plus the team's rule (no_sleep.rego,
#      its tests and its registration no_sleep.yaml);
#   2. prove the assembled policy still does what the team thinks (`pywarden policy test`);
#   3. gate the code (`pywarden check`), passing the team's knobs with `--data gate.yaml`.
# Usage: examples/ci-policy/ci-check.sh [check options] PATH...
# Environment: PYWARDEN (binary, default `pywarden` on PATH), PYWARDEN_POLICIES (the default
# policy directory, default: policies/ of this repository).
# Exit codes are pywarden's: 0 allowed, 1 denied (or a failing policy test), 2 error.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pywarden=${PYWARDEN:-pywarden}
defaults=${PYWARDEN_POLICIES:-$here/../../policies}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Only policy files: redaction.yaml is detector data, not policy data.
cp "$defaults"/*.rego "$defaults"/gate.yaml "$dir"/
cp "$here"/no_sleep*.rego "$here"/no_sleep.yaml "$dir"/
"$pywarden" policy test --quiet --policy-dir "$dir"
"$pywarden" check --policy-dir "$dir" --data "$here/gate.yaml" "$@"
