/** A change the planner has no safe recipe for; the message names the object and what differs. */
export class UnsupportedChangeError extends Error {
  override name = 'UnsupportedChangeError';
}
