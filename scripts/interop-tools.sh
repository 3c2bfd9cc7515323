#!/usr/bin/env bash
# Install the third-party MCP clients the interop tests drive (MCP Inspector 2.x, the MCP conformance
# suite) into .cache/interop-tools/, from the pinned manifest test/interop/tools/package{,-lock}.json,
# with the Node 22 binary from scripts/node22.sh (the tools require Node >= 22.19).
# Kept out of the project's package.json on purpose: ~220 packages (vite, react, ink) the server never
# uses, engine requirements of their own, and Inspector pins its own @modelcontextprotocol/client.
# Idempotent: skipped when the installed lockfile matches the manifest. Prints the install directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/test/interop/tools"
dest="$root/.cache/interop-tools"
node22="$("$root/scripts/node22.sh")"
# The npm on PATH, resolved to its script (`npm root -g` would name the global folder of whichever node
# is first on PATH — .cache/node22 in CI, which has no npm of its own).
npm_cli="$(readlink -f "$(command -v npm)")"
[[ "$npm_cli" == *.js ]] || npm_cli="$(dirname "$npm_cli")/../lib/node_modules/npm/bin/npm-cli.js"
[[ -f "$npm_cli" ]] || { echo "interop-tools.sh: npm-cli.js not found at $npm_cli" >&2; exit 1; }

stamp="$dest/.installed-lock.sha256"
# Hash the contents only: sha256sum's output names the files, and checkouts at other paths (git
# worktrees sharing one .cache) would otherwise never match and reinstall the shared copy in turn.
want="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -d "$dest/node_modules/@modelcontextprotocol/inspector" ]]; then
  echo "$dest"
  exit 0
fi

mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
# Run npm itself on Node 22 so engine checks and any install script see the runtime the tools use.
(cd "$dest" && PATH="$(dirname "$node22"):$PATH" "$node22" "$npm_cli" ci --no-audit --no-fund --loglevel=error >&2)
echo "$want" > "$stamp"
echo "$dest"
