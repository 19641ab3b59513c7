/**
 * The save-path policy: nothing from the network decides a file path without passing through here. Relative paths
 * are anchored to the agent's project, results must stay inside the allowed folders both lexically and after
 * following symbolic links, and names must be safe on every platform. Decisions live in path-rules.ts; this file
 * adds the few file-system look-ups (lstat, realpath) the symlink checks need.
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, lstatOrUndefined } from './errno.js';
import { FolderHandle } from './folder-handle.js';
import { pathChanged, PathPolicyError } from './path-error.js';
import { findPathTextProblem, isInsideFolder, namesFolder, printable } from './path-rules.js';

export { PathPolicyError, type PathPolicyReason } from './path-error.js';

export interface PathAnchors {
  /** The agent's project (MCP client root or the stdio shim's working directory); relative paths resolve here. */
  baseDir?: string;
  /** Used for relative paths when there is no baseDir: the output folder. */
  defaultDir: string;
}

export interface PathPolicy {
  allowedRoots(): readonly string[];
  setAllowedRoots(roots: readonly string[]): void;
  /** The absolute path to write, or a rejected PathPolicyError saying why not and what to do instead. */
  resolveSavePath(savePath: string, anchors: PathAnchors): Promise<string>;
  /**
   * Whether a save path means "this folder, with a generated name": its text names a folder ("out/", ".", "..")
   * or it is an existing folder inside the allowed folders (not a link to one: links are refused on write).
   * False for anything resolveSavePath would refuse, so that it gives its usual answer.
   */
  namesSaveFolder(savePath: string, anchors: PathAnchors): Promise<boolean>;
  /** The absolute path of an existing file or folder to read, confined like writes. */
  checkReadablePath(readPath: string, anchors?: Partial<PathAnchors>): Promise<string>;
  /**
   * Opens an absolute folder inside the allowed folders for use (folder-handle.ts): every later read, write,
   * rename and delete goes through the handle, so a folder swapped for a link after this check is not followed.
   * With `create`, missing folders are made on the way.
   */
  openFolder(absoluteFolder: string, options: { create: boolean }): Promise<FolderHandle>;
}

export interface PathPolicyOptions {
  allowedRoots: readonly string[];
}

const howToAllow = 'add its folder under Settings → Allowed folders, or pass --allow-dir <folder>';

export function createPathPolicy(options: PathPolicyOptions): PathPolicy {
  let roots = normaliseRoots(options.allowedRoots);

  const outside = (absolute: string): PathPolicyError =>
    new PathPolicyError(
      'outside-allowed-folders',
      absolute,
      `"${absolute}" is outside the allowed folders (${roots.join(', ')}). Use a path inside one of them, or ${howToAllow}.`,
    );

  const requireLexicallyInside = (absolute: string): void => {
    if (roots.length === 0) {
      throw new PathPolicyError(
        'no-allowed-folders',
        absolute,
        `No folders are allowed for the bridge to use yet, so "${absolute}" is refused. Add one under Settings → Allowed folders, or pass --allow-dir <folder>.`,
      );
    }
    if (!roots.some((root) => isInsideFolder(absolute, root))) throw outside(absolute);
  };

  /** The allowed folder (links resolved) holding `canonical`, the innermost when they nest. */
  const requireInside = (absolute: string, canonical: Canonical, canonicalRoots: Canonical[]): string => {
    const holders = canonicalRoots.filter((root) => isInsideFolder(canonical.path, root.path));
    const innermost = holders.sort((a, b) => b.path.length - a.path.length)[0];
    if (innermost) return innermost.path;
    throw new PathPolicyError(
      'symlink',
      absolute,
      `"${absolute}" leads outside the allowed folders through a symbolic link (it resolves to "${canonical.path}"). Use a path inside ${roots.join(', ')}, or ${howToAllow}.`,
    );
  };
  const requireCanonicallyInside = async (absolute: string, canonical: Canonical): Promise<string> =>
    requireInside(absolute, canonical, await Promise.all(roots.map((root) => canonicalise(root))));

  return {
    allowedRoots: () => roots,
    setAllowedRoots(next) {
      roots = normaliseRoots(next);
    },

    async resolveSavePath(savePath, anchors) {
      const problem = findPathTextProblem(savePath);
      if (problem) {
        throw new PathPolicyError(
          'invalid-path',
          savePath,
          `Cannot use save path "${printable(savePath)}": ${problem}. Choose a plain file name such as "images/hero.png".`,
        );
      }
      const absolute = anchor(savePath, anchors.baseDir ?? anchors.defaultDir);
      if (namesFolder(savePath)) throw isFolderError(absolute);
      requireLexicallyInside(absolute);

      // The three look-ups do not depend on one another: asked at once, they cost one round trip to the file
      // system instead of five or six (this is on every generate_image call's path). Their answers are judged
      // in the order a refusal should be explained.
      const [existing, canonical, canonicalRoots] = await Promise.allSettled([
        lstatOrUndefined(absolute),
        canonicalise(absolute, { likelyMissing: true }),
        Promise.all(roots.map((root) => canonicalise(root))),
      ]);
      if (valueOf(existing)?.isSymbolicLink()) {
        throw new PathPolicyError(
          'symlink',
          absolute,
          `"${absolute}" is a symbolic link; the bridge does not write through links. Choose another file name, or remove the link.`,
        );
      }
      if (valueOf(existing)?.isDirectory()) throw isFolderError(absolute);
      if (!valueOf(canonical).ancestorIsDirectory) {
        throw new PathPolicyError(
          'parent-not-directory',
          absolute,
          `"${valueOf(canonical).existingAncestor}" is a file, so "${absolute}" cannot be created inside it. Choose another path.`,
        );
      }
      requireInside(absolute, valueOf(canonical), valueOf(canonicalRoots));
      return absolute;
    },

    async namesSaveFolder(savePath, anchors) {
      if (findPathTextProblem(savePath)) return false;
      if (namesFolder(savePath)) return true;
      const absolute = anchor(savePath, anchors.baseDir ?? anchors.defaultDir);
      // Only look inside the allowed folders: the answer must not reveal what exists elsewhere.
      if (!roots.some((root) => isInsideFolder(absolute, root))) return false;
      return (await lstatOrUndefined(absolute))?.isDirectory() ?? false;
    },

    async openFolder(absoluteFolder, options) {
      requireLexicallyInside(absoluteFolder);
      const [settledFolder, canonicalRoots] = await Promise.allSettled([
        canonicalise(absoluteFolder),
        Promise.all(roots.map((root) => canonicalise(root))),
      ]);
      const canonical = valueOf(settledFolder);
      if (!canonical.ancestorIsDirectory) {
        throw new PathPolicyError(
          'parent-not-directory',
          absoluteFolder,
          `"${canonical.existingAncestor}" is a file, so the folder "${absoluteFolder}" cannot be used. Choose another path.`,
        );
      }
      const root = requireInside(absoluteFolder, canonical, valueOf(canonicalRoots));
      const components = path.relative(root, canonical.path).split(path.sep).filter(Boolean);
      return await FolderHandle.open(root, components, { create: options.create, shownAs: absoluteFolder });
    },

    async checkReadablePath(readPath, anchors = {}) {
      if (readPath.length === 0 || readPath.includes('\u0000')) {
        throw new PathPolicyError(
          'invalid-path',
          readPath,
          'The path is empty or contains a NUL byte; pass the path of an existing file or folder.',
        );
      }
      const base = anchors.baseDir ?? anchors.defaultDir;
      if (!base && !path.isAbsolute(readPath)) {
        throw new PathPolicyError(
          'invalid-path',
          readPath,
          `"${readPath}" is relative and there is no project folder to resolve it against; pass an absolute path.`,
        );
      }
      const absolute = anchor(readPath, base ?? path.parse(process.cwd()).root);
      requireLexicallyInside(absolute);
      let real: string;
      try {
        real = await realpath(absolute);
      } catch (error) {
        if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
          throw new PathPolicyError(
            'not-found',
            absolute,
            `"${absolute}" does not exist. Check the path (relative paths resolve against ${base ?? 'nothing'}).`,
          );
        }
        throw error;
      }
      await requireCanonicallyInside(absolute, {
        path: real,
        existingAncestor: real,
        ancestorIsDirectory: true,
      });
      return absolute;
    },
  };
}

function isFolderError(absolute: string): PathPolicyError {
  return new PathPolicyError(
    'is-directory',
    absolute,
    `"${absolute}" is a folder; the path must name a file inside it, for example "${path.join(absolute, 'image.png')}".`,
  );
}

/** Absolute, normalised, NFC form (macOS stores NFD; NFC is what every other tool and the index compare). */
function anchor(rawPath: string, base: string): string {
  const native = path.sep === '/' ? rawPath.replace(/\\/gu, '/') : rawPath;
  return path.resolve(base, native.normalize('NFC'));
}

function normaliseRoots(roots: readonly string[]): string[] {
  return [...new Set(roots.map((root) => path.resolve(root.normalize('NFC'))))];
}

interface Canonical {
  /** The path with every symbolic link in its existing part resolved. */
  path: string;
  existingAncestor: string;
  ancestorIsDirectory: boolean;
}

/**
 * Resolves links in the longest existing prefix of `absolute` and re-attaches the part that does not exist yet.
 * A link in a parent folder that points elsewhere therefore shows up in the result, even for a file not yet written.
 */
async function canonicalise(absolute: string, options: { likelyMissing?: boolean } = {}): Promise<Canonical> {
  const missing: string[] = [];
  let current = absolute;
  // A file about to be written usually does not exist yet (`likelyMissing`): its folder is asked about at the
  // same time, so that answer does not wait for the first one. Folders that exist are not asked about twice.
  let ahead = options.likelyMissing ? realpath(path.dirname(absolute)) : undefined;
  ahead?.catch(() => undefined);
  let real = realpath(current);
  for (;;) {
    try {
      const resolved = await real;
      const found = missing.length === 0 ? undefined : await lstat(resolved);
      // A link where realpath just found a folder: the path is being changed under us, not a file in the way.
      if (found?.isSymbolicLink()) throw pathChanged(absolute, 'nothing was done');
      const ancestorIsDirectory = found?.isDirectory() ?? true;
      return {
        path: path.join(resolved, ...missing.reverse()),
        existingAncestor: current,
        ancestorIsDirectory,
      };
    } catch (error) {
      if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
      const parent = path.dirname(current);
      if (parent === current) return { path: absolute, existingAncestor: current, ancestorIsDirectory: true };
      missing.push(path.basename(current));
      current = parent;
      real = ahead ?? realpath(current);
      ahead = undefined;
    }
  }
}

/** The value of a settled look-up, or its error thrown. */
function valueOf<T>(settled: PromiseSettledResult<T>): T {
  if (settled.status === 'rejected') throw settled.reason;
  return settled.value;
}
