import { execFileSync } from 'node:child_process';

/**
 * Mounts a tiny tmpfs at `dir` so tests can hit a real full disk (ENOSPC) or a real read-only file system (EROFS).
 * Needs root and a kernel that allows it; returns false when it cannot, and the caller skips with a visible note.
 */
export function tryMountTmpfs(dir: string, options: { sizeKb: number; readOnly?: boolean }): boolean {
  const flags = [`size=${options.sizeKb}k`, ...(options.readOnly ? ['ro'] : [])].join(',');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', flags, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'ignore' });
}

export const tmpfsSkipNote = 'needs root to mount a tiny tmpfs (mount -t tmpfs); not available here';
