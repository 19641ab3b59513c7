import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';

/**
 * What a running app (tray or `serve`, or a stdio shim that started the core in-process) writes into its
 * data folder so that stdio shims started later can forward to it instead of starting a second core.
 */
export interface EndpointRecord {
  url: string;
  mcpUrl: string;
  pid: number;
  /** Per-run secret; a request carrying it may name the shim's working directory. */
  shimSecret: string;
  /**
   * The bearer token this run's /mcp requires (absent: none), so a shim forwards with the token in force
   * even when it came from the command line. Sent only after the server proved it holds `shimSecret`.
   */
  mcpToken?: string | undefined;
}

const recordSchema = z.object({
  url: z.string(),
  mcpUrl: z.url(),
  pid: z.number().int().positive(),
  shimSecret: z.string().min(16),
  mcpToken: z.string().min(1).optional(),
});

export function endpointFileOf(dataDir: string): string {
  return join(dataDir, 'endpoint.json');
}

export function newShimSecret(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Written to a temporary file created with mode 0600 and renamed into place, so the secret is never
 * readable by other users, not even for a moment, and a reader never sees half a file.
 */
export function writeEndpointRecord(dataDir: string, record: EndpointRecord): void {
  const file = endpointFileOf(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  writeFileSync(temporary, JSON.stringify(record), { mode: 0o600, flag: 'wx' });
  renameSync(temporary, file);
}

/** Removes the record only if it is still ours: a newer app may have replaced it. */
export function removeEndpointRecord(dataDir: string, shimSecret: string): void {
  if (readEndpointRecord(dataDir)?.shimSecret === shimSecret)
    rmSync(endpointFileOf(dataDir), { force: true });
}

/** The record, or undefined when there is none or it cannot be read (an app of an older version, a torn file). */
export function readEndpointRecord(dataDir: string): EndpointRecord | undefined {
  let text: string;
  try {
    text = readFileSync(endpointFileOf(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = recordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
