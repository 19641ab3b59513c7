/**
 * A web asset made for an image in the gallery is kept on that image's record, for the dashboard's lightbox
 * (variants, placeholder, Copy HTML): by convert_image for an image already on disk, and by the web variants of a
 * generated or edited image (web-jobs.ts).
 */
import type { GalleryHandle } from '../gallery/index.js';
import type { Logger } from '../log.js';
import { webAssetRecordOf } from '../web/asset-record.js';
import type { WebAsset } from '../web/make-web-asset.js';

/** The record gets the asset if its file is still the one it made (by path: the record is only shown). */
export async function keepWebAssetOnRecord(
  gallery: GalleryHandle,
  logger: Logger,
  id: string,
  asset: WebAsset,
): Promise<void> {
  const index = await gallery.loaded();
  const record = index.get(id);
  if (!record) return;
  const [verdict] = await index.fileStates([record]);
  if (verdict?.state !== 'present') {
    logger.info('web asset not kept in the gallery: the file is no longer the one it made', {
      path: record.path,
    });
    return;
  }
  index.add({ ...record, web: webAssetRecordOf(asset, new Date()) });
}
