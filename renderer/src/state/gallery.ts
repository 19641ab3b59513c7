import type { GalleryItem } from '../../../shared/dashboard-api.js';

export const tileMinWidth = 168;
export const tileGap = 12;

/** How many tiles fit side by side in a grid this wide (at least one). */
export function gridColumns(width: number, minTile = tileMinWidth, gap = tileGap): number {
  return Math.max(1, Math.floor((width + gap) / (minTile + gap)));
}

/** The items of one grid row. */
export function rowItems<T>(items: readonly T[], row: number, columns: number): T[] {
  return items.slice(row * columns, row * columns + columns);
}

/** Appends a page, skipping ids already shown (a new image can shift pages between requests). */
export function mergePage(shown: readonly GalleryItem[], page: readonly GalleryItem[]): GalleryItem[] {
  const seen = new Set(shown.map((item) => item.id));
  return [...shown, ...page.filter((item) => !seen.has(item.id))];
}

/** The file name at the end of a path, for tile captions (Windows and POSIX separators alike). */
export function fileName(path: string): string {
  return path.split(/[\\/]/u).pop() ?? path;
}

/** The word a tile and the lightbox show for an entry whose file is not the one it made; undefined if it is. */
export function fileProblemLabel(state: GalleryItem['fileState'] | undefined): string | undefined {
  return state === 'replaced' ? 'replaced' : state === 'missing' ? 'missing' : undefined;
}

/** Local date and time, as the lightbox shows it. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Puts newly added items (those not shown yet) in front, newest first as the page has them. */
export function prependNew(shown: readonly GalleryItem[], page: readonly GalleryItem[]): GalleryItem[] {
  const seen = new Set(shown.map((item) => item.id));
  return [...page.filter((item) => !seen.has(item.id)), ...shown];
}
