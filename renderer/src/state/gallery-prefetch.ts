import type { GalleryPage } from '../../../shared/dashboard-api.js';
import type { ApiClient } from '../api/client.js';
import { fileProblemLabel } from './gallery.js';

/** How long a prefetched first page may stand in for the gallery's own request. */
export const prefetchFreshMs = 30_000;
/** Thumbnails fetched ahead: about the first screenful of tiles. */
export const warmedThumbnails = 12;

/** A first page fetched ahead, or the request still out for it. */
export type PrefetchedPage = GalleryPage | Promise<GalleryPage>;

/**
 * The gallery's first page (no filter, every mode), asked for while another view is shown, so that opening the
 * gallery renders from memory; its first thumbnails are fetched too, so the browser's cache answers the tiles.
 * It is used only while it cannot be out of date: started with the events socket open, younger than
 * `prefetchFreshMs`, and no gallery event, socket drop or reconnection since it was asked for (`invalidate`).
 */
export interface GalleryPrefetch {
  /** Asks for the first page once; later calls do nothing. */
  start(this: void): void;
  /** The prefetched page while it is still good; undefined: ask the server. */
  take(this: void): PrefetchedPage | undefined;
  invalidate(this: void): void;
}

export function createGalleryPrefetch(
  client: Pick<ApiClient, 'gallery' | 'imageUrl'>,
  options: {
    pageSize: number;
    now?: () => number;
    /** Fetches one URL into the browser's cache (an `Image` by default). */
    warm?: (url: string) => void;
  },
): GalleryPrefetch {
  const now = options.now ?? (() => performance.now());
  const warm = options.warm ?? ((url: string) => void (new Image().src = url));
  let started = false;
  let startedAt = 0;
  let page: PrefetchedPage | undefined;

  return {
    start() {
      if (started) return;
      started = true;
      startedAt = now();
      const request = client.gallery({ query: '', limit: options.pageSize });
      page = request;
      request.then(
        (answer) => {
          if (page !== request) return;
          page = answer;
          answer.items
            .filter((item) => !fileProblemLabel(item.fileState))
            .slice(0, warmedThumbnails)
            .forEach((item) => warm(client.imageUrl(item.id, 'thumbnail')));
        },
        () => {
          if (page === request) page = undefined;
        },
      );
    },
    take() {
      if (page !== undefined && now() - startedAt > prefetchFreshMs) page = undefined;
      return page;
    },
    invalidate() {
      page = undefined;
    },
  };
}
