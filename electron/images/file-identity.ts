/** A file's identity (device, inode, size, modification time) and the one way two identities are compared. */
import type { BigIntStats } from 'node:fs';
import type { FileIdentity } from '../../shared/generation.js';

export type { FileIdentity } from '../../shared/generation.js';

/** From a bigint stat: plain numbers would round inode numbers above 2^53. */
export function identityOf(stats: BigIntStats): FileIdentity {
  return {
    dev: stats.dev.toString(),
    ino: stats.ino.toString(),
    size: Number(stats.size),
    mtimeMs: Number(stats.mtimeMs),
  };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
