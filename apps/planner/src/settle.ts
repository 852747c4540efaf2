/**
 * Runs two independent steps concurrently and returns both results; when either fails, throws the
 * first one's error in argument order, so which failure a caller sees does not depend on timing.
 */
export async function both<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}
