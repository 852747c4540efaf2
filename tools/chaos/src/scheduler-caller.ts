import { status, type ServiceError } from '@grpc/grpc-js';
import pRetry, { AbortError } from 'p-retry';
import { schedulerClients } from '@fleetshift/contracts';

type Clients = ReturnType<typeof schedulerClients>;

/** Codes a scheduler answers while it is down, restarting, or not the one that serves (a follower). */
const transient = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN, status.CANCELLED]);

/**
 * Calls the scheduler replicas the way an operator's client behind a Service would: the next replica
 * when one is down or busy restarting, retried for up to `patienceMs` in all. Other errors are final.
 */
export class SchedulerCaller {
  readonly #clients: Clients[];
  #next = 0;

  constructor(addresses: string[]) {
    this.#clients = addresses.map((address) => schedulerClients(address));
  }

  async call<T>(what: (clients: Clients) => Promise<T>, patienceMs = 60_000): Promise<T> {
    const started = Date.now();
    return pRetry(
      async () => {
        const clients = this.#clients[this.#next % this.#clients.length];
        try {
          return await what(clients);
        } catch (error) {
          this.#next++;
          const code = (error as ServiceError).code;
          if (code === undefined || !transient.has(code)) throw new AbortError(error as Error);
          if (Date.now() - started > patienceMs) throw new AbortError(error as Error);
          throw error;
        }
      },
      { retries: 1000, minTimeout: 200, maxTimeout: 1000, factor: 1.5 },
    );
  }

  close(): void {
    for (const clients of this.#clients) for (const client of Object.values(clients)) client.close();
  }
}

/** A deadline for one call, so a frozen scheduler does not hold the caller. */
export const deadline = (ms: number) => ({ deadline: Date.now() + ms });
