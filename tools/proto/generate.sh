#!/usr/bin/env bash
# Regenerates libs/contracts/src/gen from proto/ with ts-proto. The only way generated code changes.
set -euo pipefail
cd "$(dirname "$0")/../../proto"
rm -rf ../libs/contracts/src/gen
npx buf lint
npx buf generate
