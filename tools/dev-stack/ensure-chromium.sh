#!/usr/bin/env bash
# Installs Debian's chromium for the web console's browser test (playwright-core drives it; its own
# browser download needs the internet) when /usr/bin/chromium is missing. Exits non-zero naming the cause.
set -uo pipefail

if [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "Chromium is installed: ${CHROMIUM_PATH:-/usr/bin/chromium}"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Chromium is missing: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH" >&2
  exit 1
fi
echo "Chromium is missing: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null || {
  echo "apt-get install chromium failed" >&2
  exit 1
}
echo "Chromium is installed: /usr/bin/chromium"
