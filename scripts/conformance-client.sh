#!/usr/bin/env bash
# Runs the official MCP client conformance suites with this project's CLI as the client under test
# (src/cli/conformance.ts, run by the project's own Node through tsx):
#   - 0.2.x (conformance-02) `--requirements 2026-07-28`: exactly the scenarios MCP 2026-07-28
#     requires, at that revision's wire, plus the not-scored extension ones (listed with reasons in
#     conformance/client-baseline-2026-07-28.yml; required scenarios have no entry there);
#   - 0.1.16 `--suite auth` and `--suite backcompat`: the 2025-era flows (2025-03-26 fallbacks, the
#     2025-06-18/11-25 handshakes), baseline conformance/client-baseline.yml.
# The suites need Node >= 22: they run on the binary from scripts/node22.sh, installed from the
# pinned manifest by scripts/interop-tools.sh. Exit status: non-zero when any run reports a failure
# or warning its baseline does not list, or a stale baseline entry.
#   RUNS     space-separated subset of "2026-07-28 auth backcompat" (default: all three)
#   TIMEOUT  per-scenario client timeout in ms (default 180000). The suite starts every scenario of
#            a run at once, each a Node + tsx process that may sign in; on a shared 2-core machine
#            the last of ~40 starts minutes late, and the suite's 30 s default then kills healthy
#            clients mid-flow. A real hang still fails, just later.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project_node="$(command -v node)" # the project's Node (22 or 24; CI puts one first on PATH)
node22="$("$root/scripts/node22.sh")"
tools="$("$root/scripts/interop-tools.sh")"
out="$root/artifacts/conformance-client"
rm -rf "$out" && mkdir -p "$out"
client_cmd="$project_node --import tsx $root/src/cli/conformance.ts"

status=0
for run in ${RUNS:-2026-07-28 auth backcompat}; do
  if [[ "$run" == 2026-07-28 ]]; then
    suite_cli="$tools/node_modules/conformance-02/dist/index.js"
    selection=(--requirements 2026-07-28)
    baseline="$root/conformance/client-baseline-2026-07-28.yml"
  else
    suite_cli="$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js"
    selection=(--suite "$run")
    baseline="$root/conformance/client-baseline.yml"
  fi
  echo "=== conformance client ${selection[*]} ==="
  rc=0
  (cd "$root" && PATH="$(dirname "$node22"):$PATH" "$node22" "$suite_cli" client \
    --command "$client_cmd" \
    "${selection[@]}" \
    --timeout "${TIMEOUT:-180000}" \
    --expected-failures "$baseline" \
    -o "$out/$run") >"$out/$run.log" 2>&1 || rc=$?
  grep -E '^(✓|✗)|^Total|Baseline|Unexpected|Stale|Not scored|^  [~✗✓] ' "$out/$run.log" || true
  echo "run $run: exit $rc"
  [[ "$rc" == 0 ]] || status=1
done
exit "$status"
