import type { GalleryItem, GalleryMode } from '../../../shared/dashboard-api.js';
import { editModes, type EditMode } from '../../../shared/generation.js';

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

/** The gallery's mode filter choices: every generation, plain generations, or one edit mode. */
export const modeChoices: readonly { value: GalleryMode | ''; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'generate', label: 'Generated' },
  ...editModes.map((mode) => ({ value: mode, label: editModeLabel(mode) })),
];

/** An edit mode in words, for the filter, the tile badge and the lightbox. */
export function editModeLabel(mode: EditMode): string {
  const labels: Record<EditMode, string> = {
    restyle: 'Restyle',
    inpaint: 'Inpaint',
    outpaint: 'Outpaint',
    upscale: 'Upscale',
    remove_background: 'Cut-out',
  };
  return labels[mode];
}

/**
 * How the lightbox compares an edit with its source: a slider over the two when they have the same size (restyle,
 * inpaint, a cut-out), side by side when they differ (upscale, outpaint) or the source's size is not known yet.
 */
export function comparisonLayout(
  before: { width: number; height: number } | undefined,
  after: { width: number; height: number },
): 'slider' | 'side-by-side' {
  return before && before.width === after.width && before.height === after.height ? 'slider' : 'side-by-side';
}

/** Where the before/after divider goes (percent of the width from the left) for a key, or undefined for others. */
export function dividerAfterKey(key: string, position: number, bigStep = false): number | undefined {
  const step = bigStep ? 10 : 2;
  const moved: Record<string, number> = {
    ArrowLeft: position - step,
    ArrowDown: position - step,
    ArrowRight: position + step,
    ArrowUp: position + step,
    PageDown: position - 10,
    PageUp: position + 10,
    Home: 0,
    End: 100,
  };
  const next = moved[key];
  return next === undefined ? undefined : Math.min(100, Math.max(0, next));
}

/** The item `delta` places from `id` in the gallery's order, or undefined at either end (or if `id` is not shown). */
export function neighbourOf<T extends { id: string }>(
  items: readonly T[],
  id: string,
  delta: -1 | 1,
): T | undefined {
  const at = items.findIndex((item) => item.id === id);
  return at < 0 ? undefined : items[at + delta];
}
