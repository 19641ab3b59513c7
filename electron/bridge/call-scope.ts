/**
 * What one tool call may reach and where its paths resolve: the allowed folders (settings, output folder, the
 * client's roots and the shim's directory), the project anchors (save-location.ts), and its idempotency key.
 */
import { createPathPolicy, type PathAnchors, type PathPolicy } from '../images/path-policy.js';
import type { BatchIdempotency } from '../jobs/types.js';
import type { ToolContext } from '../mcp/service.js';
import { requestFingerprint } from './idempotency.js';
import { findImagesFolder, implicitProjectDir, projectAnchors } from './save-location.js';
import type { ServiceDeps } from './service-deps.js';

type ScopeDeps = Pick<ServiceDeps, 'outputDir' | 'settings'>;

/** Where one call's paths resolve (save-location.ts), and the project's images folder for unnamed images. */
export interface Placement {
  anchors: PathAnchors;
  imagesFolder: string | undefined;
}

/** Allowed folders for one call: the settings' folders, the output folder, and this client's project. */
export function policyFor(deps: ScopeDeps, ctx: ToolContext): PathPolicy {
  return createPathPolicy({
    allowedRoots: [
      deps.outputDir(),
      ...deps.settings.get().allowedDirs,
      ...ctx.roots,
      ...(ctx.cwd ? [ctx.cwd] : []),
    ],
  });
}

export function anchorsFor(
  deps: ScopeDeps,
  projectDir: string | undefined,
  ctx: ToolContext,
  policy: PathPolicy,
): Promise<PathAnchors> {
  return projectAnchors(projectDir, ctx, policy, deps.outputDir());
}

export async function placementFor(
  deps: ScopeDeps,
  projectDir: string | undefined,
  ctx: ToolContext,
  policy: PathPolicy,
): Promise<Placement> {
  const anchors = await anchorsFor(deps, projectDir, ctx, policy);
  return { anchors, imagesFolder: anchors.baseDir ? await findImagesFolder(anchors.baseDir) : undefined };
}

/**
 * The agent's idempotency_key, else the stdio shim's request key: a shim that re-attaches to a new core sends an
 * unanswered call again with the same key, and must get the batch the first send queued.
 */
export function idempotencyOf(
  tool: string,
  args: { idempotency_key?: string | undefined },
  ctx: ToolContext,
): BatchIdempotency | undefined {
  const key = args.idempotency_key ?? (ctx.requestKey === undefined ? undefined : `shim:${ctx.requestKey}`);
  return key === undefined
    ? undefined
    : { key, fingerprint: requestFingerprint(tool, args, implicitProjectDir(ctx)) };
}
