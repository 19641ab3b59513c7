import { SdkError, SdkErrorCode } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { isCancellation, splitCallSignal } from '../../electron/mcp/callSignals.js';
import { idleSessions, sessionToEvict } from '../../electron/mcp/sessionPolicy.js';

/* The pure decisions behind "a call in flight is never cut off"; tests/reliability/calls-in-flight.test.ts runs them over HTTP. */

const closed = () => new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');

describe('what an aborted call signal means', () => {
  it('notifications/cancelled (its reason is the client string) is a cancellation on any transport', () => {
    expect(isCancellation('the user pressed stop', false)).toBe(true);
    expect(isCancellation(undefined, false)).toBe(true);
  });

  it('a closed connection releases the call, except a 2026 per-request stream, whose closing is the cancel', () => {
    expect(isCancellation(closed(), false)).toBe(false);
    expect(isCancellation(closed(), true)).toBe(true);
  });

  it('splits the SDK signal: a closed session releases, a cancel cancels', () => {
    const sessionGone = new AbortController();
    sessionGone.abort(closed());
    const released = splitCallSignal(sessionGone.signal, { perRequestStream: false });
    expect([released.cancel.aborted, released.release.aborted]).toEqual([false, true]);

    const cancelled = new AbortController();
    const split = splitCallSignal(cancelled.signal, { perRequestStream: false });
    cancelled.abort('stop');
    expect([split.cancel.aborted, split.release.aborted]).toEqual([true, false]);
    expect(split.cancel.reason).toBe('stop');
  });

  it('once released (session closing, shutdown), even a per-request stream closing is no cancellation', () => {
    const sdk = new AbortController();
    const shutdown = new AbortController();
    const split = splitCallSignal(sdk.signal, { perRequestStream: true, release: shutdown.signal });
    shutdown.abort();
    sdk.abort(closed());
    expect([split.cancel.aborted, split.release.aborted]).toEqual([false, true]);
    split.dispose();
  });
});

describe('which sessions may go', () => {
  const sessions: [string, { calls: number; lastUsed: number }][] = [
    ['busy-oldest', { calls: 1, lastUsed: 0 }],
    ['idle-old', { calls: 0, lastUsed: 10 }],
    ['idle-recent', { calls: 0, lastUsed: 900 }],
  ];

  it('the sweep takes idle sessions past the limit, never one with a call in flight', () => {
    expect(idleSessions(sessions, 1_000, 500)).toEqual(['idle-old']);
    expect(idleSessions(sessions, 100_000, 500)).toEqual(['idle-old', 'idle-recent']);
  });

  it('eviction takes the least recently used idle session, and none when all are busy', () => {
    expect(sessionToEvict(sessions)).toBe('idle-old');
    expect(sessionToEvict([['a', { calls: 2, lastUsed: 0 }]])).toBeUndefined();
  });
});
