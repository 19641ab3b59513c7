/**
 * How the bridge tells one file from another, in the two senses it needs:
 * - the **object** a name refers to (device and inode), to check that what is renamed, read or deleted is the object
 *   that was checked a moment ago;
 * - the **recorded** identity of a written file (object plus size and modification time), kept in the gallery so a
 *   later look can tell the file it wrote from one put in its place.
 */
import type { BigIntStats } from 'node:fs';
import type { FileIdentity } from '../../shared/generation.js';

export type { FileIdentity } from '../../shared/generation.js';

export interface ObjectIdentity {
  dev: bigint;
  ino: bigint;
}

export function objectIdentityOf(stats: BigIntStats): ObjectIdentity {
  return { dev: stats.dev, ino: stats.ino };
}

export function sameObject(a: ObjectIdentity, b: ObjectIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** From a bigint stat: plain numbers would round inode numbers above 2^53. */
export function fileIdentityOf(stats: BigIntStats): FileIdentity {
  return {
    dev: stats.dev.toString(),
    ino: stats.ino.toString(),
    size: Number(stats.size),
    mtimeMs: Number(stats.mtimeMs),
  };
}

export function sameFileIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
