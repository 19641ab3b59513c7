/** Reconnect delays for the events socket: quick at first, then no more than every `maxMs`. */
export function reconnectDelay(attempt: number, baseMs = 500, maxMs = 10_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}
