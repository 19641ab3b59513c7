/**
 * A failed connection to ComfyUI in words a person can act on, with the system's own message once:
 * "connection refused, nothing is listening there: connect ECONNREFUSED 127.0.0.1:8188". Used for HTTP and the
 * websocket alike.
 */
const plainWords: Record<string, string> = {
  ECONNREFUSED: 'connection refused, nothing is listening there',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'no such host name',
  EAI_AGAIN: 'the host name could not be looked up',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
};

export function describeNetworkError(error: unknown): string {
  // node:http and ws report the system's code (ECONNREFUSED, ECONNRESET, ENOTFOUND…) on the error itself.
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = messageOf(error);
  if (!code) return message;
  const detail = message.includes(code) ? message : `${code}: ${message}`;
  const words = plainWords[code];
  return words === undefined ? detail : `${words}: ${detail}`;
}

/**
 * Node tries each address of a name like `localhost` (::1, then 127.0.0.1) and, when all fail, throws an
 * AggregateError with an empty message of its own: the attempts' messages are the ones to show.
 */
function messageOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message)
    return error.errors
      .map((attempt) => (attempt instanceof Error ? attempt.message : String(attempt)))
      .join('; ');
  return error instanceof Error ? error.message : String(error);
}
