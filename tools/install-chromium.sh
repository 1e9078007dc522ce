#!/usr/bin/env bash
# Installs Debian's Chromium (/usr/bin/chromium) for the browser tests. Playwright's own
# browser download is not used: it needs a CDN the test machines cannot reach.
set -euo pipefail

command -v chromium >/dev/null && exit 0
if ! command -v apt-get >/dev/null; then
  echo "the browser tests need Chromium at /usr/bin/chromium; install it with your package manager" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "installing chromium needs root (or sudo)" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing chromium (Debian package) for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq chromium >/dev/null \
  || { $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq chromium >/dev/null; }
