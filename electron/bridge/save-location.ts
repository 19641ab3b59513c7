import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { BridgeError } from '../errors.js';
import { isErrno } from '../images/errno.js';
import { PathPolicyError, type PathAnchors, type PathPolicy } from '../images/path-policy.js';
import type { ToolContext } from '../mcp/service.js';

/*
 * Where a call's files go. The project folder is the caller's `project_dir`, else the client's first MCP root,
 * else the stdio shim's working directory, else there is none. `project_dir` wins because the agent names it for
 * this call, while roots may be several (a client can list a home folder before the project); roots are also
 * deprecated in the 2026-07-28 spec, and many HTTP clients send none. Relative paths resolve against the project
 * folder, or the output folder without one. A generated image without save_path goes to the project's images
 * folder: the first of IMAGE_FOLDERS that exists in it (what web projects serve images from: public/ for Vite,
 * Next.js and CRA, static/ for SvelteKit and Hugo, assets/ for Nuxt-style and plain sites); else the output
 * folder, never the project's root. Subfolders (public/images, src/assets) are not guessed: projects disagree on
 * them, and an agent that wants one names it in save_path.
 */

export const IMAGE_FOLDERS = ['public', 'static', 'assets'] as const;

const noProject = 'no project folder (send roots or project_dir)';

/** The project folder a client's context names without asking (roots, the shim's directory); for fingerprints. */
export function implicitProjectDir(ctx: ToolContext): string | undefined {
  return ctx.roots[0] ?? ctx.cwd;
}

/**
 * The anchors relative paths resolve against for one call. A given project_dir must be absolute and an existing
 * folder inside the allowed folders; otherwise the call is refused with what to do instead.
 */
export async function projectAnchors(
  projectDir: string | undefined,
  ctx: ToolContext,
  policy: PathPolicy,
  outputDir: string,
): Promise<PathAnchors> {
  const baseDir =
    projectDir === undefined ? implicitProjectDir(ctx) : await checkedProjectDir(projectDir, policy);
  return { defaultDir: outputDir, ...(baseDir === undefined ? {} : { baseDir }) };
}

async function checkedProjectDir(projectDir: string, policy: PathPolicy): Promise<string> {
  if (!path.isAbsolute(projectDir)) {
    throw new BridgeError('invalid_project_dir', `project_dir "${projectDir}" is not an absolute path.`, {
      hint: "Pass the project folder's absolute path, e.g. /home/me/site.",
    });
  }
  let checked: string;
  try {
    checked = await policy.checkReadablePath(projectDir);
  } catch (error) {
    if (!(error instanceof PathPolicyError)) throw error;
    throw new BridgeError(`path_${error.reason.replaceAll('-', '_')}`, `project_dir: ${error.message}`);
  }
  if (!(await stat(checked)).isDirectory()) {
    throw new BridgeError('not_a_directory', `project_dir "${checked}" is a file, not a folder.`, {
      hint: "Pass the project's folder.",
    });
  }
  return checked;
}

/** The first of IMAGE_FOLDERS that is a folder (not a link to one: writes never follow links) in `projectDir`. */
export async function findImagesFolder(projectDir: string): Promise<string | undefined> {
  for (const name of IMAGE_FOLDERS) {
    try {
      if ((await lstat(path.join(projectDir, name))).isDirectory()) return name;
    } catch (error) {
      if (!isErrno(error, 'ENOENT', 'ENOTDIR', 'EACCES', 'EPERM')) throw error;
    }
  }
  return undefined;
}

export interface SaveTarget {
  /** The path for the path policy: save_path as given, or an absolute path for a generated image. */
  path: string;
  /** Why the file goes there, when save_path alone does not say; shown to the agent with the result. */
  reason?: string;
}

/**
 * Where one image goes (pure). `savePath` is the caller's (a named folder already expanded to a file in it),
 * `imagesFolder` what findImagesFolder found in the project.
 */
export function chooseSaveTarget(input: {
  savePath: string | undefined;
  generatedName: string;
  anchors: PathAnchors;
  imagesFolder: string | undefined;
}): SaveTarget {
  const { savePath, generatedName, anchors, imagesFolder } = input;
  if (savePath) {
    if (anchors.baseDir !== undefined || path.isAbsolute(savePath)) return { path: savePath };
    return { path: savePath, reason: `${noProject}: relative save_path resolved in the output folder` };
  }
  if (anchors.baseDir === undefined)
    return {
      path: path.join(anchors.defaultDir, generatedName),
      reason: `no save_path and ${noProject}: the output folder`,
    };
  if (imagesFolder !== undefined)
    return {
      path: path.join(anchors.baseDir, imagesFolder, generatedName),
      reason: `no save_path: the project's ${imagesFolder}/ folder`,
    };
  return {
    path: path.join(anchors.defaultDir, generatedName),
    reason: `no save_path, and no ${IMAGE_FOLDERS.map((name) => `${name}/`).join(', ')} in the project: the output folder`,
  };
}
