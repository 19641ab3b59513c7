import type { BigIntStats } from 'node:fs';
import { lstat } from 'node:fs/promises';

/** Whether a thrown value is a Node system error with the given code (ENOENT, EEXIST, …). */
export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && codes.includes(code);
}

/** lstat that answers `undefined` when nothing is there (or a folder on the way is not a folder). */
export async function lstatOrUndefined(target: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(target, { bigint: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}
