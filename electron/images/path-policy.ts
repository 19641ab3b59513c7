/**
 * The save-path policy: nothing from the network decides a file path without passing through here. Relative paths
 * are anchored to the agent's project, results must stay inside the allowed folders both lexically and after
 * following symbolic links, and names must be safe on every platform. Decisions live in path-rules.ts; this file
 * adds the few file-system look-ups (lstat, realpath) the symlink checks need.
 */
import type { Stats } from 'node:fs';
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
  /** resolveSavePath's answer, and whether a file is already there: the same look-up tells both. */
  checkSavePath(savePath: string, anchors: PathAnchors): Promise<SavePathCheck>;
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

export interface SavePathCheck {
  /** The absolute path to write. */
  path: string;
  /** A file is there now (a regular file: links and folders are refused). */
  exists: boolean;
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

  const checkSavePath = async (savePath: string, anchors: PathAnchors): Promise<SavePathCheck> => {
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

    // The look-ups do not depend on one another: asked at once, they cost one round trip to the file system
    // (this is on every generate_image call's path, and again before its file is written). The file itself
    // needs no realpath: its lstat says whether it is a link (refused) and, by ENOTDIR, whether its folder
    // is a folder. Their answers are judged in the order a refusal should be explained.
    const [settledEntry, settledFolder, canonicalRoots] = await Promise.allSettled([
      lstatEntry(absolute),
      canonicalise(path.dirname(absolute)),
      Promise.all(roots.map((root) => canonicalise(root))),
    ]);
    const entry = valueOf(settledEntry);
    if (entry !== 'missing' && entry !== 'parent-not-directory') {
      if (entry.isSymbolicLink()) {
        throw new PathPolicyError(
          'symlink',
          absolute,
          `"${absolute}" is a symbolic link; the bridge does not write through links. Choose another file name, or remove the link.`,
        );
      }
      if (entry.isDirectory()) throw isFolderError(absolute);
    }
    const folder = valueOf(settledFolder);
    // canonicalise finds a file deeper up the path itself; the folder it resolved being a file shows only here.
    if (!folder.ancestorIsDirectory || entry === 'parent-not-directory') {
      throw new PathPolicyError(
        'parent-not-directory',
        absolute,
        `"${folder.existingAncestor}" is a file, so "${absolute}" cannot be created inside it. Choose another path.`,
      );
    }
    const canonical = { ...folder, path: path.join(folder.path, path.basename(absolute)) };
    requireInside(absolute, canonical, valueOf(canonicalRoots));
    return { path: absolute, exists: typeof entry === 'object' };
  };

  return {
    allowedRoots: () => roots,
    setAllowedRoots(next) {
      roots = normaliseRoots(next);
    },

    checkSavePath,
    async resolveSavePath(savePath, anchors) {
      return (await checkSavePath(savePath, anchors)).path;
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
 * A link in a parent folder that points elsewhere therefore shows up in the result, even for a folder not yet made.
 */
async function canonicalise(absolute: string): Promise<Canonical> {
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      const resolved = await realpath(current);
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
    }
  }
}

/**
 * What lstat finds at a path to write: an entry, nothing, or (ENOTDIR) a file where a folder on the way should be.
 * Errno errors are only told apart by their code, and each costs a stack trace: one lstat answers both questions.
 */
async function lstatEntry(target: string): Promise<Stats | 'missing' | 'parent-not-directory'> {
  try {
    return await lstat(target);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return 'missing';
    if (isErrno(error, 'ENOTDIR')) return 'parent-not-directory';
    throw error;
  }
}

/** The value of a settled look-up, or its error thrown. */
function valueOf<T>(settled: PromiseSettledResult<T>): T {
  if (settled.status === 'rejected') throw settled.reason;
  return settled.value;
}
