import net from 'node:net';

/**
 * `preferred` when nothing listens on 127.0.0.1:`preferred` (so programs that assume the standard port
 * find the server there), else a port the kernel picks as free.
 */
export async function freeLoopbackPort(preferred?: number): Promise<number> {
  if (preferred !== undefined) {
    const taken = await listenOnce(preferred).then(() => false, () => true);
    if (!taken) return preferred;
  }
  return listenOnce(0);
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}
