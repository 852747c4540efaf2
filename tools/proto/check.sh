#!/usr/bin/env bash
# Fails when libs/contracts/src/gen is not what proto/ generates (someone edited a .proto without regenerating).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bash "$root/tools/proto/generate.sh"
if ! git -C "$root" diff --quiet --exit-code -- libs/contracts/src/gen \
   || [ -n "$(git -C "$root" ls-files --others --exclude-standard -- libs/contracts/src/gen)" ]; then
  echo "generated contracts are stale: run 'npm run proto:gen' and commit libs/contracts/src/gen" >&2
  git -C "$root" status --short -- libs/contracts/src/gen >&2
  exit 1
fi
echo "generated contracts are up to date"
