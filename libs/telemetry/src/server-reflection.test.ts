import * as grpc from '@grpc/grpc-js';
import { create, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { descriptorSet } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { DescriptorIndex } from './descriptor-index.js';
import { addServerReflection, answerReflection, type ReflectionRequest } from './server-reflection.js';

// The answers of the reflection handler over the generated descriptor set, question by question. (Real
// servers and a strict client: tools/dev-stack/src/grpc-reflection.test.ts.)
const index = new DescriptorIndex(descriptorSet());
const services = ['fleetshift.v1.RolloutService', 'grpc.health.v1.Health'];

function ask(messageRequest: ReflectionRequest['messageRequest']) {
  return answerReflection(index, services, { host: 'localhost:1', messageRequest });
}

function fileNames(messageRequest: ReflectionRequest['messageRequest']): string[] {
  const answer = ask(messageRequest).messageResponse;
  if (answer.case !== 'fileDescriptorResponse') throw new Error(`expected files, got ${JSON.stringify(answer)}`);
  return answer.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
}

function error(messageRequest: ReflectionRequest['messageRequest']) {
  const answer = ask(messageRequest).messageResponse;
  if (answer.case !== 'errorResponse') throw new Error(`expected an error, got ${answer.case}`);
  return answer.value;
}

describe('server reflection answers', () => {
  it('lists the services it was given, echoing the host and the request', () => {
    const answer = ask({ case: 'listServices', value: '*' });
    expect(answer.validHost).toBe('localhost:1');
    expect(answer.originalRequest.messageRequest).toEqual({ case: 'listServices', value: '*' });
    expect(answer.messageResponse).toEqual({ case: 'listServicesResponse', value: { service: services.map((name) => ({ name })) } });
  });

  it('answers a file by its path with the file first, then each transitive import once', () => {
    expect(fileNames({ case: 'fileByFilename', value: 'fleetshift/v1/rollout.proto' })).toEqual([
      'fleetshift/v1/rollout.proto',
      'fleetshift/v1/common.proto',
      'google/protobuf/timestamp.proto',
    ]);
    for (const file of descriptorSet().file) {
      const names = fileNames({ case: 'fileByFilename', value: file.name });
      expect(names[0]).toBe(file.name);
      expect(new Set(names).size).toBe(names.length);
      const sent = new Set(names);
      for (const name of names) {
        const proto = descriptorSet().file.find((each) => each.name === name)!;
        for (const dependency of proto.dependency) expect(sent.has(dependency), `${dependency} of ${name}`).toBe(true);
      }
    }
  });

  it.each([
    ['fleetshift.v1.RolloutService', 'fleetshift/v1/rollout.proto'],
    ['fleetshift.v1.RolloutService.WatchRollout', 'fleetshift/v1/rollout.proto'],
    ['fleetshift.v1.TenantSelector', 'fleetshift/v1/rollout.proto'],
    ['fleetshift.v1.TenantSelector.LabelsEntry', 'fleetshift/v1/rollout.proto'],
    ['fleetshift.v1.TenantSelector.LabelsEntry.value', 'fleetshift/v1/rollout.proto'],
    ['fleetshift.v1.TenantSelector.labels', 'fleetshift/v1/rollout.proto'],
    ['.fleetshift.v1.TenantSelector', 'fleetshift/v1/rollout.proto'],
    ['fleetshift.v1.ThrottleLevel', 'fleetshift/v1/common.proto'],
    ['fleetshift.v1.THROTTLE_LEVEL_OK', 'fleetshift/v1/common.proto'],
    ['google.protobuf.Timestamp', 'google/protobuf/timestamp.proto'],
    ['grpc.health.v1.Health', 'grpc/health/v1/health.proto'],
    ['grpc.health.v1.HealthCheckResponse.ServingStatus', 'grpc/health/v1/health.proto'],
    ['grpc.reflection.v1alpha.ServerReflection', 'grpc/reflection/v1alpha/reflection.proto'],
  ])('finds the file containing %s', (symbol, file) => {
    expect(fileNames({ case: 'fileContainingSymbol', value: symbol })[0]).toBe(file);
  });

  it('answers NOT_FOUND, naming it, for an unknown file, symbol or extension', () => {
    expect(error({ case: 'fileByFilename', value: 'fleetshift_v1.proto' })).toEqual({ errorCode: grpc.status.NOT_FOUND, errorMessage: 'file "fleetshift_v1.proto" not found' });
    expect(error({ case: 'fileContainingSymbol', value: 'fleetshift.v1.Nope' })).toEqual({ errorCode: grpc.status.NOT_FOUND, errorMessage: 'symbol "fleetshift.v1.Nope" not found' });
    expect(error({ case: 'fileContainingSymbol', value: 'fleetshift.v1.ThrottleLevel.THROTTLE_LEVEL_OK' }).errorCode).toBe(grpc.status.NOT_FOUND);
    expect(error({ case: 'fileContainingExtension', value: { containingType: 'fleetshift.v1.TenantSelector', extensionNumber: 100 } })).toEqual({
      errorCode: grpc.status.NOT_FOUND,
      errorMessage: 'extension 100 of "fleetshift.v1.TenantSelector" not found',
    });
  });

  it('answers the extension numbers of a known message (none here), NOT_FOUND for an unknown one', () => {
    expect(ask({ case: 'allExtensionNumbersOfType', value: 'fleetshift.v1.TenantSelector' }).messageResponse).toEqual({
      case: 'allExtensionNumbersResponse',
      value: { baseTypeName: 'fleetshift.v1.TenantSelector', extensionNumber: [] },
    });
    expect(error({ case: 'allExtensionNumbersOfType', value: 'fleetshift.v1.Nope' }).errorCode).toBe(grpc.status.NOT_FOUND);
  });

  it('answers INVALID_ARGUMENT to a request that asks nothing', () => {
    expect(error({ case: undefined }).errorCode).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe('the descriptor set behind it', () => {
  it('refuses to serve a service the set does not describe, naming it', () => {
    expect(() => addServerReflection(new grpc.Server(), index, ['fleetshift.v1.PlannerService', 'fleetshift.v1.GhostService'])).toThrow(
      'server reflection: the descriptor set does not describe fleetshift.v1.GhostService (run npm run proto:gen)',
    );
  });

  it('is checked as protoc would: a set missing an import is refused when the index is built', () => {
    const withoutTimestamp = create(FileDescriptorSetSchema, {
      file: descriptorSet().file.filter((file) => file.name !== 'google/protobuf/timestamp.proto'),
    });
    expect(() => new DescriptorIndex(withoutTimestamp)).toThrow(/google\/protobuf\/timestamp\.proto/);
  });
});
