/**
 * The optional testcontainers path: used only when the local service is not reachable. With no Docker
 * engine testcontainers fails in milliseconds, and this returns undefined.
 */
export async function startContainer(
  image: string,
  port: number,
  environment: Record<string, string> = {},
  command: string[] = [],
): Promise<{ host: string; port: number } | undefined> {
  try {
    const { GenericContainer } = await import('testcontainers');
    let container = new GenericContainer(image).withExposedPorts(port).withEnvironment(environment);
    if (command.length > 0) container = container.withCommand(command);
    const started = await container.start();
    return { host: started.getHost(), port: started.getMappedPort(port) };
  } catch {
    return undefined;
  }
}
