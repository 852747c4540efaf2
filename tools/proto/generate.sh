#!/usr/bin/env bash
# Regenerates libs/contracts/src/gen from proto/: the ts-proto code, and the descriptor set that every
# service's server reflection serves. The only way generated code changes.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
gen="$root/libs/contracts/src/gen"
cd "$root/proto"
rm -rf "$gen"
npx buf lint
npx buf generate

# The descriptor set: every file of proto/ with its imports (google/protobuf/timestamp.proto…), then the
# standard services a Fleetshift server also serves (grpc.health.v1, grpc.reflection.v1 and v1alpha), whose
# .proto files ship in the npm packages that implement them; copied under their canonical names so that a
# client sees the paths it knows. Two FileDescriptorSets concatenated are one (the set is a single repeated
# field), and buf writes the same bytes for the same input.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/grpc/grpc/health/v1" "$tmp/grpc/grpc/reflection"
cp "$root/node_modules/grpc-health-check/proto/health/v1/health.proto" "$tmp/grpc/grpc/health/v1/health.proto"
cp -R "$root/node_modules/@grpc/reflection/build/proto/grpc/reflection/v1" \
      "$root/node_modules/@grpc/reflection/build/proto/grpc/reflection/v1alpha" "$tmp/grpc/grpc/reflection/"
npx buf build --as-file-descriptor-set -o "$tmp/fleetshift.binpb"
npx buf build "$tmp/grpc" --as-file-descriptor-set -o "$tmp/grpc.binpb"
cat "$tmp/fleetshift.binpb" "$tmp/grpc.binpb" >"$gen/descriptor-set.binpb"
