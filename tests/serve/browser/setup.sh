#!/usr/bin/env bash
# Installs puppeteer-core (npm) into DIR (default build/npm), once: the browser test of nmt-serve
# drives Debian's chromium with it. Exits 0 when it is there.
set -euo pipefail
dir=${1:-build/npm}
version=23.11.1
[ -f "$dir/node_modules/puppeteer-core/package.json" ] &&
  grep -q "\"version\": \"$version\"" "$dir/node_modules/puppeteer-core/package.json" && exit 0
command -v npm >/dev/null || { echo "setup: npm is missing (apt-get install npm)" >&2; exit 1; }
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name": "nmt-serve-browser-test", "private": true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --silent "puppeteer-core@$version" >&2
