import { createHash } from 'node:crypto';
import { BridgeError } from '../errors.js';
import type { BatchIdempotency, BatchRecord } from '../jobs/types.js';

/*
 * Retry-safe submissions. A client that gives up on its own (many cut every call at 60 s) and sends the same
 * call again with the same idempotency_key gets the batch the first call queued, not a second copy of the
 * work. The key and a fingerprint of the request are stored in the batch's file, so this holds across a
 * restart, for as long as the batch is kept.
 */

/**
 * What makes two calls the same request: the tool, the project folder relative paths resolve against, and
 * every argument except those that only shape the answer (how long to wait, whether to inline a preview).
 */
export function requestFingerprint(
  tool: string,
  args: Readonly<Record<string, unknown>>,
  projectDir: string | undefined,
): string {
  const { idempotency_key: _key, wait_seconds: _wait, preview: _preview, ...work } = args;
  return createHash('sha256')
    .update(canonicalJson({ tool, projectDir: projectDir ?? null, work }))
    .digest('hex');
}

/** JSON with object keys sorted, so argument order does not make two requests differ. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The batch a key already names, or why the key cannot be used for this request. */
export function matchingBatch(
  existing: BatchRecord | undefined,
  wanted: BatchIdempotency,
): BatchRecord | undefined {
  if (!existing) return undefined;
  if (existing.idempotency?.fingerprint === wanted.fingerprint) return existing;
  throw conflict(wanted.key, existing.id);
}

function conflict(key: string, batchId: string): BridgeError {
  return new BridgeError(
    'idempotency_conflict',
    `idempotency_key "${key}" was already used for a different request (batch ${batchId}).`,
    {
      hint: 'Send the identical arguments to get that batch back, or use a new key for new work.',
      details: { batch_id: batchId },
    },
  );
}

/**
 * Submits at most once per key. A retry that arrives while the first call is still checking its paths waits
 * for that call's batch instead of racing it.
 */
export class IdempotentSubmitter {
  private readonly inFlight = new Map<string, { fingerprint: string; batch: Promise<BatchRecord> }>();

  constructor(private readonly stored: (key: string) => BatchRecord | undefined) {}

  async submit(
    idempotency: BatchIdempotency | undefined,
    create: () => Promise<BatchRecord>,
  ): Promise<BatchRecord> {
    if (!idempotency) return create();
    const { key, fingerprint } = idempotency;
    const known = matchingBatch(this.stored(key), idempotency);
    if (known) return known;
    const pending = this.inFlight.get(key);
    if (pending) {
      if (pending.fingerprint !== fingerprint) throw conflict(key, 'still being queued');
      return pending.batch;
    }
    const batch = create();
    this.inFlight.set(key, { fingerprint, batch });
    try {
      return await batch;
    } finally {
      this.inFlight.delete(key);
    }
  }
}
