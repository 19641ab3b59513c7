import { performance } from 'node:perf_hooks';

/**
 * Milliseconds on a clock that only moves forward at the pace of real time (performance.now): suspend/resume,
 * NTP steps and a user changing the date do not move it. Every duration (idle times, grace periods, failover,
 * retention of in-memory state) is measured on it; `Date` is only for timestamps that are shown or stored.
 * Node's timers (setTimeout/setInterval) already run on the same kind of clock.
 */
export type MonotonicClock = () => number;

export const monotonicNow: MonotonicClock = () => performance.now();
