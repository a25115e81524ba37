/** Thrown by the stores when Redis cannot answer; the error middleware turns it into a 503. */
export class RedisUnavailableError extends Error {
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super(`redis unavailable during ${operation}`, { cause });
    this.name = 'RedisUnavailableError';
    this.operation = operation;
  }
}

/** A session write reached the primary, but no replica confirmed it in time: a failover could undo it. */
export class NotReplicatedError extends Error {
  constructor(wanted: number, acknowledged: number, timeoutMs: number) {
    super(`${acknowledged} of ${wanted} replicas acknowledged the write within ${timeoutMs} ms`);
    this.name = 'NotReplicatedError';
  }
}

/**
 * Reply errors that mean "this connection is on the wrong node, or the node is not ready yet":
 * the command was refused, so sending it again elsewhere or later cannot apply it twice.
 */
const SWITCH_REPLIES = /^(READONLY|LOADING|MASTERDOWN|UNBLOCKED)\b/;

/**
 * Failures that a primary switch or a reconnect explains, after which the same command may
 * succeed on the next connection: a closed or not-yet-writable connection, a command that timed
 * out (the node may be paused or hung), a reply saying the node is not the writable primary, or
 * a write no replica confirmed yet.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Right after a failover the replicas re-attach to the new primary for a second or so; an
  // idempotent write that none confirmed yet is worth sending again within the hold.
  if (error instanceof NotReplicatedError) return true;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  if (/^(Connection is closed|Stream isn't writeable|Command timed out|Command aborted due to connection close)/.test(error.message)) return true;
  return SWITCH_REPLIES.test(error.message);
}
