/**
 * The variants' files in the main file's folder, opened once through the allowed folders (folder-handle.ts): the
 * main file read from it, every variant written into it atomically (atomic-write.ts: a temp file renamed into place,
 * an existing file replaced only with `overwrite` and then kept for recovery), and, when the asset fails or is
 * cancelled, the files this run created removed again (only while their names still hold the files written), so a
 * retry starts clean.
 */
import { lstat, open, unlink } from 'node:fs/promises';
import { AtomicWriteError, readFlags, writeIntoFolder } from '../images/atomic-write.js';
import { isErrno } from '../images/errno.js';
import type { FolderHandle } from '../images/folder-handle.js';
import { objectIdentityOf, sameObject, type ObjectIdentity } from '../images/file-identity.js';
import { PathPolicyError } from '../images/path-error.js';

export interface VariantFolderOptions {
  overwrite: boolean;
  recoveryDir: string;
}

export interface WrittenVariant {
  path: string;
  bytes: number;
  replacedFileKeptAt?: string;
}

export class VariantFolder {
  private readonly created = new Map<string, ObjectIdentity>();

  constructor(
    private readonly folder: FolderHandle,
    private readonly options: VariantFolderOptions,
  ) {}

  /** Reads `name` from the folder, never through a link. */
  async read(name: string): Promise<Buffer> {
    const handle = await open(this.folder.child(name), readFlags).catch((error: unknown) => {
      if (isErrno(error, 'ELOOP')) {
        throw new PathPolicyError(
          'symlink',
          this.folder.shown(name),
          `"${this.folder.shown(name)}" is a symbolic link; the bridge does not read through links.`,
        );
      }
      throw error;
    });
    try {
      const bytes = await handle.readFile();
      await this.folder.verify();
      return bytes;
    } finally {
      await handle.close();
    }
  }

  /** Refuses, before any encoding, when a variant's name is taken and `overwrite` is not set. */
  async refuseExisting(names: readonly string[]): Promise<void> {
    if (this.options.overwrite) return;
    const taken: string[] = [];
    for (const name of names) {
      if (
        await lstat(this.folder.child(name)).then(
          () => true,
          () => false,
        )
      )
        taken.push(this.folder.shown(name));
    }
    const [first] = taken;
    if (first === undefined) return;
    throw new AtomicWriteError(
      'exists',
      first,
      `${taken.length === 1 ? `"${first}" already exists` : `${taken.length} variant files already exist (${taken.map((t) => `"${t}"`).join(', ')})`} and ${taken.length === 1 ? 'was' : 'were'} left untouched. Pass overwrite: true to replace them (the old files are kept for recovery), or choose another save path.`,
    );
  }

  async write(name: string, bytes: Uint8Array): Promise<WrittenVariant> {
    const written = await writeIntoFolder(this.folder, name, bytes, this.options);
    if (!written.replacedFileKeptAt) {
      this.created.set(name, { dev: BigInt(written.identity.dev), ino: BigInt(written.identity.ino) });
    }
    return {
      path: written.path,
      bytes: written.bytes,
      ...(written.replacedFileKeptAt ? { replacedFileKeptAt: written.replacedFileKeptAt } : {}),
    };
  }

  /** Removes the files this run created (not those it replaced: their old content is in the recovery folder). */
  async removeCreated(): Promise<void> {
    for (const [name, identity] of this.created) {
      const current = await lstat(this.folder.child(name), { bigint: true }).catch(() => undefined);
      if (current && sameObject(objectIdentityOf(current), identity)) {
        await unlink(this.folder.child(name)).catch((error: unknown) => {
          if (!isErrno(error, 'ENOENT')) throw error;
        });
      }
    }
    this.created.clear();
  }
}
