import { PerRequestHTTPServerTransport, SdkErrorCode } from '@modelcontextprotocol/server';
import type { Transport } from '@modelcontextprotocol/server';

/*
 * The SDK gives a tool call one abort signal, aborted both when the client cancels the call and when the
 * connection under it closes. Here the two mean opposite things for the GPU work, so they are split:
 *
 * - cancel: the client asked to stop this call. 2025 era and stdio: notifications/cancelled for its request id;
 *   2026-07-28 over HTTP: the client closed the call's own request stream, which is how that era cancels.
 *   The call's ComfyUI job is cancelled.
 * - release: the call must answer now but its work goes on: its 2025 session was ended or closed, the stdio
 *   connection closed, or the bridge is shutting down. A generation answers `status: "running"` with its batch id.
 */

export interface CallSignals {
  cancel: AbortSignal;
  release: AbortSignal;
  /** Detaches from the connection's long-lived signals once the call has ended. */
  dispose(): void;
}

/** Whether the SDK aborted a call's signal because the client cancelled it (rather than its connection closing). */
export function isCancellation(reason: unknown, perRequestStream: boolean): boolean {
  // By code, not instanceof: a second copy of the SDK in the tree would have its own SdkError class.
  const connectionClosed =
    typeof reason === 'object' &&
    reason !== null &&
    (reason as { code?: unknown }).code === SdkErrorCode.ConnectionClosed;
  return !connectionClosed || perRequestStream;
}

export function hasPerRequestStream(transport: Transport | undefined): boolean {
  return transport instanceof PerRequestHTTPServerTransport;
}

export function splitCallSignal(
  sdkSignal: AbortSignal,
  options: { perRequestStream: boolean; release?: AbortSignal | undefined },
): CallSignals {
  const cancel = new AbortController();
  const release = new AbortController();
  const onRelease = () => release.abort();
  // A connection closing because the session was released is not a cancellation, whatever the transport.
  const onSdkAbort = () => {
    if (release.signal.aborted || !isCancellation(sdkSignal.reason, options.perRequestStream))
      release.abort();
    else cancel.abort(sdkSignal.reason);
  };
  if (options.release?.aborted) release.abort();
  else options.release?.addEventListener('abort', onRelease, { once: true });
  if (sdkSignal.aborted) onSdkAbort();
  else sdkSignal.addEventListener('abort', onSdkAbort, { once: true });
  return {
    cancel: cancel.signal,
    release: release.signal,
    dispose() {
      options.release?.removeEventListener('abort', onRelease);
      sdkSignal.removeEventListener('abort', onSdkAbort);
    },
  };
}
