/** Pure decisions of the scheduler: which job goes next, and to which backend. */

export interface BackendLoad {
  id: string;
  /** Connected, with its events flowing: only such a backend is given work. */
  available: boolean;
  inFlight: number;
  window: number;
  /** How many jobs it was given so far: the tie-breaker that spreads equal loads round-robin. */
  dispatched: number;
}

/**
 * The least-loaded available backend with room in its in-flight window that can run the workflow, or
 * undefined when none can take the job now.
 */
export function chooseBackend(
  backends: readonly BackendLoad[],
  canRun: (backendId: string) => boolean,
): string | undefined {
  let best: BackendLoad | undefined;
  for (const backend of backends) {
    if (!backend.available || backend.inFlight >= backend.window || !canRun(backend.id)) continue;
    if (
      !best ||
      backend.inFlight < best.inFlight ||
      (backend.inFlight === best.inFlight && backend.dispatched < best.dispatched)
    ) {
      best = backend;
    }
  }
  return best?.id;
}

/** Why a job cannot be dispatched anywhere, for the error or the status line. */
export function whyUndispatchable(
  backends: readonly BackendLoad[],
  canRun: (backendId: string) => boolean,
): 'no-backend' | 'none-available' | 'none-can-run' | undefined {
  if (backends.length === 0) return 'no-backend';
  if (!backends.some((backend) => backend.available)) return 'none-available';
  if (!backends.some((backend) => backend.available && canRun(backend.id))) return 'none-can-run';
  return undefined;
}
