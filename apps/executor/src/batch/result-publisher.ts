import type { JetStreamClient } from '@nats-io/jetstream';
import { TenantResult } from '@fleetshift/contracts';
import { encodeMessage, type BusNames } from '@fleetshift/bus';

/** `delivery` names the batch delivery (stream sequence and delivery count). */
export type ResultPublisher = (result: TenantResult, delivery: string) => Promise<void>;

/**
 * Publishes TenantResults on `<ns>.result.<rollout>` (JetStream, so a restarted scheduler loses none).
 * Message id `<rollout>:<batch>:<tenant>:<state>:<stream seq>.<delivery count>`: a publish retried after a
 * lost ack is deduplicated, while a redelivered batch or a continuation reports again.
 */
export function createResultPublisher(js: JetStreamClient, names: BusNames): ResultPublisher {
  return async (result, delivery) => {
    const msgID = `${result.rolloutId}:${result.batchNumber}:${result.tenantId}:${result.state}:${delivery}`;
    const data = encodeMessage(TenantResult, result);
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await js.publish(names.resultSubject(result.rolloutId), data, { msgID, timeout: 5_000 });
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
    throw new Error(`cannot publish the result of tenant ${result.tenantId} (rollout ${result.rolloutId}): ${(lastError as Error).message}`);
  };
}
