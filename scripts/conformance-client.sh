#!/usr/bin/env bash
# Runs the official MCP client conformance suites (auth, backcompat, draft) with this project's CLI
# as the client under test (src/cli/conformance.ts, run by the project's own Node through tsx).
# The suite itself needs Node >= 22: it runs on the binary from scripts/node22.sh, installed from
# the pinned manifest by scripts/interop-tools.sh. Exit status: non-zero when any suite reports a
# failure or warning that conformance/client-baseline.yml does not list, or a stale baseline entry.
#   SUITES   space-separated suites (default: "auth backcompat draft")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node20="$(command -v node)"
node22="$("$root/scripts/node22.sh")"
tools="$("$root/scripts/interop-tools.sh")"
suite_cli="$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js"
out="$root/artifacts/conformance-client"
rm -rf "$out" && mkdir -p "$out"

status=0
for suite in ${SUITES:-auth backcompat draft}; do
  echo "=== conformance client --suite $suite ==="
  rc=0
  (cd "$root" && PATH="$(dirname "$node22"):$PATH" "$node22" "$suite_cli" client \
    --command "$node20 --import tsx $root/src/cli/conformance.ts" \
    --suite "$suite" \
    --expected-failures "$root/conformance/client-baseline.yml" \
    -o "$out/$suite") >"$out/$suite.log" 2>&1 || rc=$?
  grep -E '^(✓|✗)|^Total|Baseline|Unexpected|Stale|^  [~✗✓] ' "$out/$suite.log" || true
  echo "suite $suite: exit $rc"
  [[ "$rc" == 0 ]] || status=1
done
exit "$status"
