/**
 * convert_image for one call: checks the call's paths, converts each image next to itself (images/convert.ts)
 * and, with `web`, makes each converted image web-ready (web/make-web-asset.ts) before its original may be deleted.
 * A web asset made from an image in the gallery is kept on its record, for the dashboard.
 */
import path from 'node:path';
import type { GalleryHandle } from '../gallery/index.js';
import { convertedPath, type Conversion, type WrittenConversion } from '../images/convert.js';
import { convertImages, type ConversionOutcome } from '../images/convert-many.js';
import type { PathAnchors, PathPolicy } from '../images/path-policy.js';
import type { Logger } from '../log.js';
import type { ConvertImageArgs, ConvertImageResult } from '../mcp/schemas.js';
import type { BridgeService, ToolContext } from '../mcp/service.js';
import { pixelLimitOf } from '../images/pixel-limit.js';
import { definedOnly } from '../objects.js';
import { makeWebAsset, type WebAsset } from '../web/make-web-asset.js';
import type { WorkPool } from '../web/pool.js';
import { webOptionSchema, type WebOption } from '../web/purposes.js';
import { keepWebAssetOnRecord } from './keep-web-asset.js';
import { asBridgeError, failureOf, readablePath, resolvePath } from './call-paths.js';
import { anchorsFor, policyFor } from './call-scope.js';
import type { ServiceDeps } from './service-deps.js';

export interface ConvertCallDeps {
  policy: PathPolicy;
  anchors: Promise<PathAnchors>;
  recoveryDir: string;
  maxInputPixels: number;
  gallery: GalleryHandle;
  webPool: WorkPool;
  logger: Logger;
}

type Item = ConvertImageResult['results'][number];

/** The service's convert_image: this call's folders, the settings' pixel limit, the process's web pool. */
export function convertCall(deps: ServiceDeps): Pick<BridgeService, 'convertImage'> {
  return {
    convertImage(args, ctx) {
      const policy = policyFor(deps, ctx);
      return convertForCall(
        {
          policy,
          anchors: anchorsFor(deps, args.project_dir, ctx, policy),
          recoveryDir: deps.recoveryDir,
          maxInputPixels: pixelLimitOf(deps.settings.get().maxInputMegapixels),
          gallery: deps.gallery,
          webPool: deps.webPool,
          logger: deps.logger,
        },
        args,
        ctx,
      );
    },
  };
}

export async function convertForCall(
  deps: ConvertCallDeps,
  args: ConvertImageArgs,
  ctx: ToolContext,
): Promise<ConvertImageResult> {
  const { policy } = deps;
  const anchors = await deps.anchors;
  const format = args.format ?? 'webp';
  // Exactly one of them is given (the schema's refinement; convertImages refuses otherwise).
  const request = {
    ...(args.directory === undefined
      ? {}
      : {
          directory: await readablePath(policy, args.directory, anchors),
          recursive: args.recursive ?? false,
        }),
    ...(args.paths === undefined ? {} : { paths: await checkedSources(policy, args.paths, anchors, format) }),
  };
  // Checked by the schema (web/option-problems.ts); parsed here for its type.
  const web = args.web === undefined ? undefined : webOptionSchema.parse(args.web);
  const outcomes = await convertImages<WebAsset>({
    ...request,
    format,
    recoveryDir: deps.recoveryDir,
    maxInputPixels: deps.maxInputPixels,
    allowedRoots: policy.allowedRoots(),
    ...definedOnly({ quality: args.quality, keepOriginal: args.keep_original, overwrite: args.overwrite }),
    ...(web === undefined
      ? {}
      : {
          // Each image's variants already use the pool's slots; more conversions at once would only queue there.
          concurrency: deps.webPool.concurrency,
          afterWrite: (written: WrittenConversion) =>
            makeWebAssetFor(deps, written, web, {
              projectDir: anchors.baseDir,
              overwrite: args.overwrite ?? false,
              signal: ctx.signal,
            }),
        }),
    onOutcome: (done, total) =>
      ctx.progress({ progress: done, total, message: `${done} of ${total} converted` }),
  }).catch((error: unknown) => {
    throw asBridgeError(error, 'convert_failed');
  });
  // One image asked for by path: its failure is the call's.
  const [only] = outcomes;
  if (args.paths?.length === 1 && only && !only.ok) throw asBridgeError(only.error, 'convert_failed');
  const results = outcomes.map((outcome) => itemOf(outcome));
  const failed = results.filter((item) => item.error !== undefined).length;
  return { converted: results.length - failed, failed, results };
}

/**
 * The sources as the path policy resolves them; each one's converted name (and so its folder) is checked as a save
 * path too, so a source the agent may read but not write beside is refused before anything is decoded.
 */
async function checkedSources(
  policy: PathPolicy,
  paths: readonly string[],
  anchors: PathAnchors,
  format: ConvertImageArgs['format'] & string,
): Promise<string[]> {
  return Promise.all(
    paths.map(async (given) => {
      const source = await readablePath(policy, given, anchors);
      await resolvePath(policy, convertedPath(source, format), anchors);
      return source;
    }),
  );
}

async function makeWebAssetFor(
  deps: ConvertCallDeps,
  written: WrittenConversion,
  web: WebOption,
  options: { projectDir: string | undefined; overwrite: boolean; signal: AbortSignal },
): Promise<WebAsset> {
  const record = (await deps.gallery.loaded()).findByPath(written.path);
  const asset = await makeWebAsset({
    mainPath: written.outputPath,
    // The original, not the file just encoded from it: variants should not inherit its compression.
    bytes: written.source,
    // The alt draft comes from the prompt when the bridge made the image, else from its file name.
    prompt: record?.prompt ?? promptFromName(written.path),
    web,
    allowedRoots: deps.policy.allowedRoots(),
    recoveryDir: deps.recoveryDir,
    overwrite: options.overwrite,
    maxInputPixels: deps.maxInputPixels,
    pool: deps.webPool,
    signal: options.signal,
    ...(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
  });
  if (record) await keepWebAssetOnRecord(deps.gallery, deps.logger, record.id, asset);
  return asset;
}

/** `misty-lake_at-dawn.png` → "misty lake at dawn". */
export function promptFromName(file: string): string {
  return path
    .basename(file, path.extname(file))
    .replace(/[-_.]+/gu, ' ')
    .trim();
}

function itemOf(outcome: ConversionOutcome<WebAsset>): Item {
  if (!outcome.ok) return { path: outcome.path, error: failureOf(outcome.error) };
  const result: Conversion<WebAsset> = outcome.result;
  return {
    path: result.path,
    output_path: result.outputPath,
    bytes_before: result.bytesBefore,
    bytes_after: result.bytesAfter,
    width: result.width,
    height: result.height,
    original_kept: result.originalKept,
    ...(result.extra === undefined ? {} : { web: { ...result.extra } }),
  };
}
