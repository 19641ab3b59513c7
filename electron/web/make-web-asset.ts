/**
 * Makes an image web-ready: from the main file already written, every planned variant (purposes.ts) under its
 * byte budget (budget.ts), written next to it (variant-files.ts), through the shared bounded pool (pool.ts); then
 * the placeholder, dominant colour, alt draft and the snippet. It is meant to run after the tool has answered with
 * the main file: it reports the plan first and each variant as it lands, and stops (removing what it created) when
 * its signal aborts.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { DEFAULT_MAX_INPUT_MEGAPIXELS, pixelLimitOf, refuseOversizedImage } from '../images/pixel-limit.js';
import { createPathPolicy } from '../images/path-policy.js';
import { draftAlt } from '../../shared/alt-draft.js';
import { encodeWithinBudget } from './budget.js';
import { decodeSource } from './encode.js';
import {
  renderFaviconLinks,
  renderOgMeta,
  renderPicture,
  type ManifestIcon,
  type SnippetVariant,
} from './html.js';
import { icoOfPng } from './ico.js';
import { dominantColor, makePlaceholder, type Placeholder } from './placeholder.js';
import type { WorkPool } from './pool.js';
import {
  planVariants,
  variantPath,
  type PlannedVariant,
  type VariantFormat,
  type WebOption,
  type WebPurpose,
} from './purposes.js';
import { VariantFolder } from './variant-files.js';
import { webUrlOf, type WebRootKind } from './web-root.js';

export interface MakeWebAssetOptions {
  /** The main file, absolute and already written; variants go next to it. */
  mainPath: string;
  /** The main file's content when the caller still holds it; else it is read from its folder. */
  bytes?: Uint8Array;
  prompt: string;
  web: WebOption;
  /** The project folder the URLs are relative to (its public/, static/ or assets/); see web-root.ts. */
  projectDir?: string;
  allowedRoots: readonly string[];
  recoveryDir: string;
  /** Replace existing variant files (kept for recovery). Without it an existing one fails the asset up front. */
  overwrite?: boolean;
  maxInputPixels?: number;
  /** The process's pool: every asset's encodes share it. */
  pool: WorkPool;
  signal?: AbortSignal;
  onProgress?: (event: WebAssetProgress) => void;
  /**
   * Awaited once the variants' names are checked free, before any is written: a durable caller records that files
   * of those names are now this asset's, so a run resumed after a crash may replace what it left.
   */
  claim?: (variants: readonly PlannedVariant[]) => Promise<void>;
}

export type WebAssetProgress =
  | { kind: 'planned'; variants: readonly PlannedVariant[] }
  | { kind: 'variant'; done: number; total: number; variant: WebVariant };

export interface WebVariant {
  path: string;
  /** What the snippet uses: relative to the project's web root, or from base_url (see `WebAsset.web_root`). */
  url: string;
  format: VariantFormat;
  width: number;
  height: number;
  bytes: number;
  budget: {
    max_bytes: number;
    met: boolean;
    quality: number;
    /** Measured only when the quality was lowered: the top quality, which fitted at once, needs no check. */
    ssim?: number;
    /** Planned size, when the file was made smaller to meet the budget. */
    shrunk_from?: { width: number; height: number };
  };
  replaced_file_kept_at?: string;
}

export interface WebAsset {
  purpose: WebPurpose;
  /** The main file's size. */
  width: number;
  height: number;
  variants: WebVariant[];
  /** The snippet's `sizes` attribute (absent for og and favicon: meta and link tags). */
  sizes?: string;
  placeholder?: Placeholder;
  dominant_color: string;
  alt: string;
  html: string;
  /** favicon: the entries for the `icons` of the site's web app manifest. */
  manifest_icons?: ManifestIcon[];
  /** Where the snippet's URLs start: a detected web root, base_url, or none found (check the URLs). */
  web_root: WebRootKind;
}

export async function makeWebAsset(options: MakeWebAssetOptions): Promise<WebAsset> {
  const { mainPath, pool, signal } = options;
  const maxPixels = options.maxInputPixels ?? pixelLimitOf(DEFAULT_MAX_INPUT_MEGAPIXELS);
  const folderHandle = await createPathPolicy({ allowedRoots: options.allowedRoots }).openFolder(
    path.dirname(mainPath),
    { create: false },
  );
  const folder = new VariantFolder(folderHandle, {
    overwrite: options.overwrite ?? false,
    recoveryDir: options.recoveryDir,
  });
  try {
    const bytes = options.bytes ?? (await folder.read(path.basename(mainPath)));
    await refuseOversizedImage(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      `"${mainPath}"`,
      maxPixels,
    );
    const { image, hasAlpha } = await pool.run(() => decodeSource(bytes, maxPixels), signal);
    const plan = planVariants({ width: image.width, height: image.height, hasAlpha }, options.web, mainPath);
    await folder.refuseExisting(plan.variants.map((variant) => path.basename(variant.path)));
    await options.claim?.(plan.variants);
    options.onProgress?.({ kind: 'planned', variants: plan.variants });
    const settings = plan.settings;
    const urlOptions = {
      ...(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
      ...(settings.baseUrl === undefined ? {} : { baseUrl: settings.baseUrl }),
    };

    // One failure stops the others: their results would be removed anyway.
    const failed = new AbortController();
    const stop = signal ? AbortSignal.any([signal, failed.signal]) : failed.signal;
    // Each variant waiting for the pool listens on `stop`: more than Node's default of 10 is expected, not a leak.
    setMaxListeners(plan.variants.length + 1, stop);
    let done = 0;
    const makeOne = async (planned: PlannedVariant): Promise<WebVariant> => {
      // The slot is for the encodes; the durable write (a sync to disk) needs no core and leaves it to the next one.
      const result = await pool.run(
        () =>
          encodeWithinBudget({
            source: image,
            target: { width: planned.width, height: planned.height, fit: planned.fit },
            format: planned.format,
            maxBytes: planned.maxBytes,
            floorWidth: planned.floorWidth,
            ...(planned.background === undefined ? {} : { background: planned.background }),
            signal: stop,
          }),
        stop,
      );
      stop.throwIfAborted();
      const file = result.shrunkFrom ? variantPath(mainPath, result.width, planned.format) : planned.path;
      const data = planned.container === 'ico' ? icoOfPng(result.data, result.width) : result.data;
      const written = await folder.write(path.basename(file), data);
      const variant: WebVariant = {
        path: written.path,
        url: webUrlOf(written.path, urlOptions).url,
        format: planned.container ?? planned.format,
        width: result.width,
        height: result.height,
        bytes: written.bytes,
        budget: {
          max_bytes: result.maxBytes,
          met: result.met,
          quality: result.quality,
          ...(result.ssim === undefined ? {} : { ssim: result.ssim }),
          ...(result.shrunkFrom ? { shrunk_from: result.shrunkFrom } : {}),
        },
        ...(written.replacedFileKeptAt ? { replaced_file_kept_at: written.replacedFileKeptAt } : {}),
      };
      options.onProgress?.({ kind: 'variant', done: ++done, total: plan.variants.length, variant });
      return variant;
    };
    const settled = await Promise.allSettled(
      plan.variants.map((planned) =>
        makeOne(planned).catch((error: unknown) => {
          failed.abort(error);
          throw error;
        }),
      ),
    );
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure) throw signal?.aborted ? signal.reason : failure.reason;
    const variants = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));

    // Side by side, so the last asset's placeholder does not leave a slot idle.
    const [placeholder, color] = await Promise.all([
      settings.placeholder ? pool.run(() => makePlaceholder(image), signal) : undefined,
      pool.run(() => dominantColor(image), signal),
    ]);
    const alt = draftAlt(options.prompt);
    const snippetVariants: SnippetVariant[] = variants.map((variant) => ({
      url: variant.url,
      format: variant.format,
      width: variant.width,
      height: variant.height,
    }));
    const favicon = settings.purpose === 'favicon' ? renderFaviconLinks(snippetVariants) : undefined;
    const html =
      favicon?.html ??
      snippetOf(snippetVariants, {
        alt: settings.decorative ? '' : alt,
        sizes: settings.sizes,
        loading: settings.loading,
        fetchPriority: settings.fetchPriority,
        displayWidth: settings.displayWidth,
        // Under a transparent image the placeholder would stay visible once it loads.
        placeholder: placeholder && !hasAlpha ? { dataUrl: placeholder.data_url, color } : undefined,
      });
    return {
      purpose: settings.purpose,
      width: image.width,
      height: image.height,
      variants,
      ...(settings.sizes === undefined ? {} : { sizes: settings.sizes }),
      ...(placeholder ? { placeholder } : {}),
      dominant_color: color,
      alt,
      html,
      ...(favicon ? { manifest_icons: favicon.manifestIcons } : {}),
      web_root: webUrlOf(mainPath, urlOptions).root,
    };
  } catch (error) {
    await folder.removeCreated();
    throw error;
  } finally {
    await folderHandle.close();
  }
}

function snippetOf(
  variants: readonly SnippetVariant[],
  options: {
    alt: string;
    sizes: string | undefined;
    loading: 'eager' | 'lazy';
    fetchPriority: 'high' | 'auto' | 'low';
    displayWidth: number | undefined;
    placeholder: { dataUrl: string; color: string } | undefined;
  },
): string {
  const [only] = variants;
  if (options.sizes === undefined && only) return renderOgMeta(only, options.alt);
  return renderPicture({
    variants,
    alt: options.alt,
    sizes: options.sizes ?? '100vw',
    loading: options.loading,
    fetchPriority: options.fetchPriority,
    ...(options.displayWidth === undefined ? {} : { displayWidth: options.displayWidth }),
    ...(options.placeholder ? { placeholder: options.placeholder } : {}),
  });
}
