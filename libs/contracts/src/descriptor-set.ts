import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, type FileDescriptorSet } from '@bufbuild/protobuf/wkt';

/**
 * The FileDescriptorSet `npm run proto:gen` writes (`buf build`): every file of proto/ under its own path
 * (`fleetshift/v1/rollout.proto`…) with its imports (`google/protobuf/timestamp.proto`), plus
 * `grpc/health/v1/health.proto` and `grpc/reflection/{v1,v1alpha}/reflection.proto`. What server
 * reflection serves, so that strict clients (grpcurl…) can describe and call every method.
 */
export const descriptorSetPath = fileURLToPath(new URL('./gen/descriptor-set.binpb', import.meta.url));

let loaded: FileDescriptorSet | undefined;

export function descriptorSet(): FileDescriptorSet {
  loaded ??= fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath));
  return loaded;
}
