/**
 * An opened, verified folder. Checking a path and later using the same path string leaves a window in which a
 * folder on the way can be swapped for a link to somewhere else; so the bridge walks from an allowed root one
 * component at a time without following links, keeps the folder it reached, and does every read, write, rename
 * and delete relative to that folder.
 *
 * On Linux the folder is held open (O_DIRECTORY|O_NOFOLLOW) and its children are named `/proc/self/fd/N/<name>`:
 * the kernel resolves those through the open folder, which gives the *at() system calls' semantics to Node's
 * path-based API. Elsewhere (no /proc/self/fd) the children are named by path and `verify()`, which callers run
 * around each step, re-checks the identity (device and inode) of every folder on the way.
 */
import { constants, existsSync, type Dirent } from 'node:fs';
import { mkdir, open, readdir, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, lstatOrUndefined } from './errno.js';
import { objectIdentityOf, sameObject, type ObjectIdentity } from './file-identity.js';
import { pathChanged } from './path-error.js';

/** One folder on the way from the root: its real path and what was there when it was opened. */
interface Step {
  realPath: string;
  identity: ObjectIdentity;
}

const procFdWorks = process.platform === 'linux' && existsSync('/proc/self/fd');
const folderFlags = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0);

export interface OpenFolderOptions {
  /** Create missing folders on the way (never the root's own ancestors: roots are configured, not requested). */
  create: boolean;
  /** The path reported to the agent; the real path when omitted. */
  shownAs?: string;
  /** Hold the folder open and use /proc/self/fd paths; tests turn it off to exercise the portable fallback. */
  bindToDescriptor?: boolean;
}

export class FolderHandle {
  private closed = false;

  private constructor(
    /** The folder as the agent named it. */
    readonly path: string,
    private readonly realPath: string,
    private readonly steps: readonly Step[],
    private readonly descriptor: FileHandle | undefined,
  ) {}

  /**
   * Opens `realRoot` (an allowed folder with its links already resolved) and descends through `components`
   * without following links. A component that is a link, a file, or gone fails with a `changed` PathPolicyError.
   */
  static async open(
    realRoot: string,
    components: readonly string[],
    options: OpenFolderOptions,
  ): Promise<FolderHandle> {
    const bind = options.bindToDescriptor ?? procFdWorks;
    if (options.create) await makeFolder(realRoot);
    let folder = await FolderHandle.openRoot(realRoot, bind);
    try {
      for (const name of components) {
        const next = await folder.descend(name, { create: options.create });
        await folder.close();
        folder = next;
      }
    } catch (error) {
      await folder.close();
      throw error;
    }
    const shownAs = options.shownAs ?? folder.realPath;
    const opened = new FolderHandle(shownAs, folder.realPath, folder.steps, folder.descriptor);
    try {
      await opened.verify();
    } catch (error) {
      await opened.close();
      throw error;
    }
    return opened;
  }

  private static async openRoot(realRoot: string, bind: boolean): Promise<FolderHandle> {
    const changed = () => pathChanged(realRoot, 'nothing was done');
    if (bind) {
      const descriptor = await openFolderOrUndefined(realRoot, realRoot);
      if (!descriptor) throw changed();
      const identity = objectIdentityOf(await descriptor.stat({ bigint: true }));
      return new FolderHandle(realRoot, realRoot, [{ realPath: realRoot, identity }], descriptor);
    }
    const info = await lstatOrUndefined(realRoot);
    if (!info?.isDirectory()) throw changed();
    return new FolderHandle(
      realRoot,
      realRoot,
      [{ realPath: realRoot, identity: objectIdentityOf(info) }],
      undefined,
    );
  }

  /** What was opened: compare with what an operation finds to tell the same folder from a substitute. */
  get identity(): ObjectIdentity {
    return this.steps.at(-1)!.identity;
  }

  /** The name to pass to fs calls for the entry `name` of this folder (bound to the opened folder on Linux). */
  child(name: string): string {
    if (this.closed) throw new Error(`folder handle for "${this.path}" used after close`);
    return this.descriptor ? `/proc/self/fd/${this.descriptor.fd}/${name}` : path.join(this.realPath, name);
  }

  /** The entry's path as reported to the agent. */
  shown(name: string): string {
    return path.join(this.path, name);
  }

  /** Opens the sub-folder `name` without following a link; with `create`, makes it first when it is missing. */
  async descend(name: string, options: { create: boolean } = { create: false }): Promise<FolderHandle> {
    const at = this.child(name);
    const realPath = path.join(this.realPath, name);
    const shownAs = this.shown(name);
    const makeIfAsked = async (): Promise<boolean> => {
      if (!options.create) return false;
      await mkdir(at).catch((error: unknown) => {
        if (!isErrno(error, 'EEXIST')) throw error;
      });
      return true;
    };
    if (this.descriptor) {
      let descriptor = await openFolderOrUndefined(at, shownAs);
      if (!descriptor && (await makeIfAsked())) descriptor = await openFolderOrUndefined(at, shownAs);
      if (!descriptor) throw pathChanged(shownAs, 'nothing was done');
      const identity = objectIdentityOf(await descriptor.stat({ bigint: true }));
      return new FolderHandle(shownAs, realPath, [...this.steps, { realPath, identity }], descriptor);
    }
    await this.verify();
    let info = await lstatOrUndefined(at);
    if (!info && (await makeIfAsked())) info = await lstatOrUndefined(at);
    if (!info?.isDirectory()) throw pathChanged(shownAs, 'nothing was done');
    return new FolderHandle(
      shownAs,
      realPath,
      [...this.steps, { realPath, identity: objectIdentityOf(info) }],
      undefined,
    );
  }

  /** The folder's entries, read from the opened folder. */
  async entries(): Promise<Dirent[]> {
    await this.verify();
    const entries = await readdir(this.child(''), { withFileTypes: true });
    await this.verify();
    return entries;
  }

  /**
   * Throws a `changed` PathPolicyError unless the folder's path still leads, without links, through the very
   * folders that were opened. Run before and after each step, so a call never reports a path that leads elsewhere.
   */
  async verify(): Promise<void> {
    const changed = () => pathChanged(this.path, 'nothing more was done');
    // Each step's look-up stands alone: asked at once, a folder n levels deep costs one round trip, not n.
    const shownLeadsTo =
      this.path === this.realPath ? this.realPath : realpath(this.path).catch(() => undefined);
    const found = await Promise.allSettled(this.steps.map((step) => lstatOrUndefined(step.realPath)));
    for (const [index, step] of this.steps.entries()) {
      const settled = found[index]!;
      if (settled.status === 'rejected') throw settled.reason;
      const info = settled.value;
      if (!info?.isDirectory() || !sameObject(objectIdentityOf(info), step.identity)) throw changed();
    }
    if ((await shownLeadsTo) !== this.realPath) throw changed();
  }

  /** Makes renames and unlinks in this folder durable. Best effort: Windows cannot open a folder for syncing. */
  async sync(): Promise<void> {
    try {
      if (this.descriptor) {
        await this.descriptor.sync();
        return;
      }
      const handle = await open(this.realPath, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // The files' own data is already synced; only the directory entries' durability is left to the OS here.
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.descriptor?.close();
  }
}

/**
 * mkdir -p that reports the real cause: Node's recursive mkdir turns EROFS and some EACCES cases into a
 * misleading ENOENT, so on ENOENT the first missing folder is created alone to surface the actual error.
 */
async function makeFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
    let firstMissing = folder;
    while (
      !(await lstatOrUndefined(path.dirname(firstMissing))) &&
      path.dirname(firstMissing) !== firstMissing
    ) {
      firstMissing = path.dirname(firstMissing);
    }
    await mkdir(firstMissing);
    throw error;
  }
}

/** The folder at `at`, opened without following a link; undefined when nothing is there. */
async function openFolderOrUndefined(at: string, shownAs: string): Promise<FileHandle | undefined> {
  try {
    return await open(at, folderFlags);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    if (isErrno(error, 'ELOOP', 'ENOTDIR')) throw pathChanged(shownAs, 'nothing was done');
    throw error;
  }
}
