import net from 'node:net';

/** A TCP server standing in for a host a caller controls: it records every connection and closes it. */
export interface AttackerHost {
  host: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

/**
 * Starts an AttackerHost on 127.0.0.1 (a free port). Tests point a request's `host` at it to prove a
 * refused request made no connection (connections() stays 0) and a control request did (it rises).
 */
export async function startAttackerHost(): Promise<AttackerHost> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    connections: () => accepted,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
