/*
 * The decisions about 2025-era sessions, apart from the HTTP plumbing in legacySessions.ts. A session with a
 * call in flight is busy: it is never swept or evicted, because closing it would cut that call off.
 */

export interface SessionUse {
  /** Calls of this session still being answered. */
  calls: number;
  /** When it was last used (a request arrived or its last call ended), on the monotonic clock. */
  lastUsed: number;
}

export function isBusy(session: SessionUse): boolean {
  return session.calls > 0;
}

/** Sessions nobody has used for longer than `idleMs` and that have no call in flight. */
export function idleSessions<K>(sessions: Iterable<[K, SessionUse]>, now: number, idleMs: number): K[] {
  const idle: K[] = [];
  for (const [id, session] of sessions)
    if (!isBusy(session) && now - session.lastUsed > idleMs) idle.push(id);
  return idle;
}

/** The least recently used session without a call in flight, or undefined when every session is busy. */
export function sessionToEvict<K>(sessions: Iterable<[K, SessionUse]>): K | undefined {
  let oldest: [K, SessionUse] | undefined;
  for (const entry of sessions) {
    if (isBusy(entry[1])) continue;
    if (!oldest || entry[1].lastUsed < oldest[1].lastUsed) oldest = entry;
  }
  return oldest?.[0];
}
