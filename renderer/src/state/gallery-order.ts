import type { GalleryItem } from '../../../shared/dashboard-api.js';
import { neighbourOf } from './gallery.js';

/**
 * The gallery as the lightbox steps through it: the items loaded now (filtered, in the grid's order), read anew
 * at each step, and the way to load the next page when a step runs past the last loaded item.
 */
export interface GalleryOrder {
  items(): readonly GalleryItem[];
  /** More pages exist beyond the loaded items. */
  more(): boolean;
  loadMore(): void;
}

export type Step = { kind: 'item'; item: GalleryItem } | { kind: 'load-more' };

/**
 * Where a step from `id` leads: the neighbouring loaded item, the next page when → runs past the last loaded
 * item and more exist, or nowhere (either end of the whole gallery, or `id` not among the loaded items).
 */
export function stepFrom(
  items: readonly GalleryItem[],
  id: string,
  delta: -1 | 1,
  more: boolean,
): Step | undefined {
  const item = neighbourOf(items, id, delta);
  if (item) return { kind: 'item', item };
  const isLast = items.length > 0 && items[items.length - 1]!.id === id;
  return delta === 1 && isLast && more ? { kind: 'load-more' } : undefined;
}
