/**
 * The MCP `BridgeService`, put together from its tool families; each family is built from the same ServiceDeps
 * (service-deps.ts), so the one idempotent submitter and the one web pool are shared by every tool.
 */
import type { BridgeService } from '../mcp/service.js';
import { createWorkPool } from '../web/pool.js';
import { batchCalls } from './batch-calls.js';
import { comfyStatusCall } from './comfy-status.js';
import { convertCall } from './convert-call.js';
import { IdempotentSubmitter } from './idempotency.js';
import { interactiveCalls } from './interactive-calls.js';
import { listingCall } from './listing-call.js';
import { DEFAULT_HEARTBEAT_MS } from './progress.js';
import type { BridgeServiceOptions, ServiceDeps } from './service-deps.js';

export function createBridgeService(options: BridgeServiceOptions): BridgeService {
  const { scheduler } = options;
  const deps: ServiceDeps = {
    ...options,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    webPool: options.webPool ?? createWorkPool(),
    submissions: new IdempotentSubmitter((key) => scheduler.findByIdempotencyKey(key)),
  };
  return {
    ...interactiveCalls(deps),
    ...batchCalls(deps),
    ...listingCall(deps),
    ...comfyStatusCall(deps),
    ...convertCall(deps),
  };
}
