/**
 * Whether any configured ComfyUI can take work, in words the person at the terminal and the agent can act on.
 * Pure decisions; the backend pool logs and answers with them.
 */

/** What the pool knows of one backend for this purpose. */
export interface BackendReachability {
  url: string;
  available: boolean;
  /** At least one health probe has finished (until then "unreachable" would be a guess). */
  probed: boolean;
}

/** Why no job can start, or undefined while some backend is usable or the first probes are still running. */
export function unreachableReason(backends: readonly BackendReachability[]): string | undefined {
  if (backends.length === 0 || backends.some((backend) => backend.available || !backend.probed))
    return undefined;
  const urls = backends.map((backend) => backend.url).join(', ');
  return `no ComfyUI reachable at ${urls} — start ComfyUI or check the URL`;
}

/**
 * The log line an outage's start or end deserves, given whether its start was already reported: one WARN
 * when the last backend is found unreachable, one INFO when one answers again, nothing in between.
 */
export function reachabilityTransition(
  backends: readonly BackendReachability[],
  outageReported: boolean,
): 'outage' | 'recovered' | undefined {
  if (!outageReported) return unreachableReason(backends) === undefined ? undefined : 'outage';
  return backends.some((backend) => backend.available) ? 'recovered' : undefined;
}
