/** Pure decisions about a call to ComfyUI that failed: is it worth another try, and after how long. */

/**
 * Waits before the 2nd, 3rd and 4th download of a finished image. The image is on ComfyUI's disk and stays
 * there, so a moment's overload or a dropped connection should not cost the GPU time already spent.
 */
export const viewRetryDelaysMs: readonly number[] = [200, 500, 1_000];

/** Wait before a job whose POST /prompt failed is dispatched again, by the attempt that failed (1-based). */
export function resubmitDelayMs(failedAttempt: number): number {
  return Math.min(250 * 4 ** Math.max(0, failedAttempt - 1), 4_000);
}

/** A failure that the same request may not meet again: a 5xx, a network error, no answer in time. */
export function isTransient(error: unknown): boolean {
  const { name, status } = fieldsOf(error);
  if (name === 'ComfyUnreachableError') return true;
  return name === 'ComfyHttpError' && typeof status === 'number' && status >= 500;
}

/**
 * What a failed POST /prompt says about the prompt. `refused`: ComfyUI answered that it will not run it (400
 * with node_errors, or another 4xx), which is final. `unknown`: no answer in time, a reset, a 5xx or an
 * unreadable answer; ComfyUI may have queued the prompt all the same (it queues before it answers, and a proxy
 * can fail after passing the request on), so it must be looked for before the job is sent anywhere again.
 */
export function submitFailure(error: unknown): 'refused' | 'unknown' {
  const { name, status } = fieldsOf(error);
  if (name === 'ComfyValidationError') return 'refused';
  if (name === 'ComfyHttpError' && typeof status === 'number' && status < 500) return 'refused';
  return 'unknown';
}

// By name, not instanceof: the scheduler knows the ComfyUI client only through a narrow interface.
function fieldsOf(error: unknown): { name?: string; status?: unknown } {
  if (!(error instanceof Error)) return {};
  return { name: error.name, status: (error as { status?: unknown }).status };
}
