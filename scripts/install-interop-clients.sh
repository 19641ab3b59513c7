#!/usr/bin/env bash
# Installs the third-party MCP clients the interoperability tests drive (tests/interop/package-lock.json:
# mcp-remote, Claude Code, Gemini CLI; about 490 MB, 384 MB of it Claude Code's native binary) and links them
# in as tests/interop/node_modules. The install is kept outside the checkout, one per lockfile and Node
# version, so a fresh clone on the same machine (every CI run) links it in a moment instead of spending a
# minute writing half a gigabyte again. Plain `npm ci --prefix tests/interop` does the same without the cache.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=tests/interop/package-lock.json
key=$( (cat "$lock"; node --version) | sha256sum | cut -c1-16)
store="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/comfyui-mcp-bridge/interop-clients"
target="$store/$key"

if [ ! -d "$target/node_modules" ]; then
  mkdir -p "$store"
  # Install beside the final place and rename it in, so an interrupted install is never taken for a finished one.
  staging=$(mktemp -d "$store/.staging-XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  cp tests/interop/package.json "$lock" "$staging/"
  npm ci --prefix "$staging" --no-audit --no-fund --loglevel=error
  # Another run may have finished the same install meanwhile: keep the first.
  mv -T "$staging" "$target" 2>/dev/null || rm -rf "$staging"
  trap - EXIT
  # Finished installs for other lockfiles are not needed any more (staging folders of running installs stay).
  find "$store" -mindepth 1 -maxdepth 1 -name '????????????????' ! -name "$key" -exec rm -rf {} +
fi
[ -d "$target/node_modules" ] || { echo "interop clients: $target has no node_modules; delete it and retry" >&2; exit 1; }

rm -rf tests/interop/node_modules
ln -s "$target/node_modules" tests/interop/node_modules
echo "interop clients: $target/node_modules"
