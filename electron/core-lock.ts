import { randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BridgeError } from './errors.js';
import { isProcessAlive } from './stdio/find-app.js';
import { readEndpointRecord } from './stdio/endpoint-record.js';

/*
 * One core per data folder. Two cores on one folder ran the same stored batches twice and removed each
 * other's endpoint file, so a core holds this lock from before it reads any batch until it has stopped.
 *
 * Why this design: Node has no flock/fcntl, and a lock that lives as a file must survive a crash (SIGKILL,
 * power loss) without blocking the next start forever, yet never let two cores in. The usual "create with
 * O_EXCL, unlink it when stale" is racy: two starters that both judged the same file stale can each unlink
 * the lock the other has just made. So stale locks are never removed by a contender. Locks are generations,
 * `core.lock.<n>`, each created once with link() (atomic, fails if the name exists, and the content is
 * complete before the name appears, so a reader never sees half a record):
 *
 * - the holder is the owner of the highest generation, if that process is alive;
 * - a starter that finds the highest generation dead creates the next one; of several such starters exactly
 *   one wins that name, the others re-read and find it alive;
 * - after creating, a starter lists again: a higher generation means someone overtook it (it was slow),
 *   so it withdraws its own file and re-evaluates. A holder that passed this check was the highest at that
 *   moment; any later starter lists its file, finds it alive and refuses (or creates a lower number and
 *   withdraws at its own check);
 * - only a holder deletes lower generations (all dead owners, or slow starters about to withdraw).
 *
 * "Alive" is the pid answering signal 0 and, on Linux, the same process start time as recorded (from
 * /proc/<pid>/stat), so a pid reused by another program after a crash does not hold the folder. Elsewhere a
 * reused pid holds it until that program ends; the refusal names the pid so the user can see which.
 * A heartbeat (proper-lockfile's mtime scheme) would avoid that but would hand the lock to a second core
 * while the first one is merely suspended (a laptop asleep), which is the worse failure.
 */

const LOCK_PREFIX = 'core.lock.';
/** Starters that keep being overtaken give up; each round needs another process to win in between. */
const MAX_ROUNDS = 50;

export interface LockOwner {
  pid: number;
  /** Process start time in clock ticks since boot (Linux), or undefined where it cannot be read. */
  startTime?: string;
  nonce: string;
}

export interface CoreLock {
  readonly owner: LockOwner;
  /** Removes this generation's file; idempotent. */
  release(): void;
}

export function acquireCoreLock(dataDir: string): CoreLock {
  const self: LockOwner = { pid: process.pid, nonce: randomBytes(12).toString('hex') };
  const startTime = processStartTime(process.pid);
  if (startTime !== undefined) self.startTime = startTime;
  const staged = join(dataDir, `.core.lock.${self.nonce}.tmp`);
  writeFileSync(staged, JSON.stringify(self), { mode: 0o600, flag: 'wx' });
  try {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const top = highestGeneration(dataDir);
      if (top !== undefined) {
        const holder = readOwner(dataDir, top);
        if (holder === undefined) continue; // withdrawn or cleaned up meanwhile
        if (isOwnerAlive(holder)) throw lockedError(dataDir, holder);
      }
      const mine = (top ?? 0) + 1;
      const file = lockFile(dataDir, mine);
      try {
        linkSync(staged, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      const overtaken = highestGeneration(dataDir)!;
      if (overtaken > mine) {
        rmSync(file, { force: true });
        continue;
      }
      removeLowerGenerations(dataDir, mine);
      return {
        owner: self,
        release: () => {
          if (readOwner(dataDir, mine)?.nonce === self.nonce) rmSync(file, { force: true });
        },
      };
    }
    throw new BridgeError(
      'data_dir_busy',
      `Could not lock the data folder ${dataDir}: other starts kept winning.`,
      {
        hint: 'Start the bridge again once the other starts have settled.',
      },
    );
  } finally {
    rmSync(staged, { force: true });
  }
}

/** The live holder of the data folder's lock, if any (for messages and for the stdio shim). */
export function currentLockOwner(dataDir: string): LockOwner | undefined {
  const top = highestGeneration(dataDir);
  const holder = top === undefined ? undefined : readOwner(dataDir, top);
  return holder !== undefined && isOwnerAlive(holder) ? holder : undefined;
}

export function isOwnerAlive(owner: LockOwner): boolean {
  // Signal 0 to pid 0 would ask our own process group; an unreadable record has pid 0 and is dead.
  if (owner.pid <= 0 || !isProcessAlive(owner.pid)) return false;
  if (owner.startTime === undefined) return true;
  const now = processStartTime(owner.pid);
  // Unreadable now (another user's process under hidepid): the pid is alive, so it counts as the holder.
  return now === undefined || now === owner.startTime;
}

/** Field 22 of /proc/<pid>/stat, counted after the command name (which may itself hold spaces and parens). */
export function processStartTime(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function lockedError(dataDir: string, holder: LockOwner): BridgeError {
  const record = readEndpointRecord(dataDir);
  const url = record?.pid === holder.pid ? record.url : undefined;
  return new BridgeError(
    'data_dir_in_use',
    `Another ComfyUI MCP Bridge (pid ${holder.pid}, ${url ?? 'still starting'}) is already running on the data folder ${dataDir}.`,
    {
      hint: 'Use that one, stop it first, or give this one another --data-dir.',
      details: { pid: holder.pid, ...(url === undefined ? {} : { url }) },
    },
  );
}

function lockFile(dataDir: string, generation: number): string {
  return join(dataDir, `${LOCK_PREFIX}${generation}`);
}

function generations(dataDir: string): number[] {
  return readdirSync(dataDir).flatMap((name) => {
    if (!name.startsWith(LOCK_PREFIX)) return [];
    const suffix = name.slice(LOCK_PREFIX.length);
    return /^[1-9]\d{0,14}$/.test(suffix) ? [Number(suffix)] : [];
  });
}

function highestGeneration(dataDir: string): number | undefined {
  const all = generations(dataDir);
  return all.length === 0 ? undefined : Math.max(...all);
}

function removeLowerGenerations(dataDir: string, mine: number): void {
  for (const generation of generations(dataDir)) {
    if (generation < mine) rmSync(lockFile(dataDir, generation), { force: true });
  }
}

function readOwner(dataDir: string, generation: number): LockOwner | undefined {
  try {
    const value = JSON.parse(readFileSync(lockFile(dataDir, generation), 'utf8')) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || typeof value.nonce !== 'string') return { pid: 0, nonce: '' };
    return {
      pid: value.pid,
      nonce: value.nonce,
      ...(typeof value.startTime === 'string' ? { startTime: value.startTime } : {}),
    };
  } catch (error) {
    // Gone: withdrawn or cleaned up. Unparseable (hand-edited): a dead owner, so the next generation wins.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : { pid: 0, nonce: '' };
  }
}
