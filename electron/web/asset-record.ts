/**
 * A web asset as the gallery keeps it (shared/web-asset.ts): what the dashboard shows of it, without the per-file
 * budget details the tool result carries.
 */
import type { WebAssetRecord } from '../../shared/web-asset.js';
import type { WebAsset } from './make-web-asset.js';

export function webAssetRecordOf(asset: WebAsset, madeAt: Date): WebAssetRecord {
  return {
    purpose: asset.purpose,
    variants: asset.variants.map(({ path, format, width, height, bytes }) => ({
      path,
      format,
      width,
      height,
      bytes,
    })),
    ...(asset.sizes === undefined ? {} : { sizes: asset.sizes }),
    ...(asset.placeholder
      ? { placeholder: { thumbhash: asset.placeholder.thumbhash, dataUrl: asset.placeholder.data_url } }
      : {}),
    dominantColor: asset.dominant_color,
    alt: asset.alt,
    html: asset.html,
    madeAt: madeAt.toISOString(),
  };
}
