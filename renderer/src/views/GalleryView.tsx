import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { galleryModes, type GalleryItem, type GalleryMode } from '../../../shared/dashboard-api.js';
import { ErrorNote } from '../components/Notes.js';
import { useLive } from '../state/live.js';
import {
  editModeLabel,
  fileProblemLabel,
  gridColumns,
  modeChoices,
  rowItems,
  tileGap,
} from '../state/gallery.js';
import { displayNames } from '../state/gallery-names.js';
import type { GalleryOrder } from '../state/gallery-order.js';
import type { PrefetchedPage } from '../state/gallery-prefetch.js';
import { useGalleryPages } from '../state/use-gallery.js';

/** Caption under each thumbnail. */
const captionHeight = 34;
/** Ask for the next page when the last loaded row is this close to the visible area. */
const prefetchRows = 4;

/** The element's inner width, kept current as the window resizes (the observer reports once at the start). */
function useWidth(element: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const node = element.current;
    if (!node || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setWidth(node.clientWidth));
    observer.observe(node);
    return () => observer.disconnect();
  }, [element]);
  return width;
}

/**
 * Thumbnails already shown once. While the grid scrolls, new tiles wait for it to settle before asking for
 * their thumbnail, so flinging through thousands of rows does not queue thousands of requests; tiles seen
 * before show theirs at once (the browser has them cached).
 */
const shownThumbnails = new Set<string>();

function Tile({
  item,
  name,
  size,
  settled,
  onOpen,
}: {
  item: GalleryItem;
  /** The file name, with its folder when another shown file has the same name. */
  name: string;
  size: number;
  settled: boolean;
  onOpen: (item: GalleryItem) => void;
}) {
  const { client } = useLive();
  // A replaced or missing file has no thumbnail of its own to show: the tile says so instead of asking.
  const problem = fileProblemLabel(item.fileState);
  const load = !problem && (settled || shownThumbnails.has(item.id));
  const image = useRef<HTMLImageElement>(null);
  useEffect(() => {
    const node = image.current;
    // A tile scrolled out of the window cancels its thumbnail request rather than leave it queued ahead of
    // the tiles now in view (the browser keeps loading a detached image otherwise).
    return () => node?.removeAttribute('src');
  }, []);
  return (
    <button
      type="button"
      className="tile"
      style={{ width: size }}
      data-id={item.id}
      onClick={() => onOpen(item)}
      aria-label={`Open ${name}${problem ? ` (${problem})` : ''}${item.edit ? ` (${editModeLabel(item.edit.mode)} edit)` : ''}${item.web ? ` (web-ready, ${item.web.variants.length} files)` : ''}: ${item.prompt}`}
    >
      {item.web ? (
        <span className="tile-badge tile-badge-web" aria-hidden="true" title="Web-ready">
          Web · {item.web.variants.length}
        </span>
      ) : null}
      {item.edit ? (
        <span className="tile-badge" aria-hidden="true">
          {editModeLabel(item.edit.mode)}
        </span>
      ) : null}
      {problem ? (
        <span className="tile-problem" style={{ width: size, height: size }} title={item.fileNote}>
          File moved or deleted
          {problem === 'replaced' ? <small>(another file is at its path)</small> : null}
        </span>
      ) : (
        <img
          ref={image}
          src={load ? client.imageUrl(item.id, 'thumbnail') : undefined}
          onLoad={() => shownThumbnails.add(item.id)}
          alt=""
          decoding="async"
          width={size}
          height={size}
        />
      )}
      <span className="tile-caption" title={item.path}>
        {name}
      </span>
    </button>
  );
}

export function GalleryView({
  onOpen,
  onShownChange,
  removed,
  takePrefetched,
}: {
  /** `order` answers the items shown now, in the gallery's order (filtered), for the lightbox's previous/next. */
  onOpen: (item: GalleryItem, order: GalleryOrder) => void;
  /** Called when the loaded items change (a page arrived), so an open lightbox can step into them. */
  onShownChange?: () => void;
  /** Ids deleted from the lightbox, dropped from the grid without waiting for the event. */
  removed: readonly string[];
  /** The first page fetched ahead while another view was shown, while it is still good. */
  takePrefetched?: () => PrefetchedPage | undefined;
}) {
  const [filter, setFilter] = useState('');
  const [mode, setMode] = useState<GalleryMode | ''>('');
  const query = useDeferredValue(filter.trim());
  const pages = useGalleryPages(query, mode || undefined, takePrefetched);
  const filtered = query !== '' || mode !== '';
  const { forget } = pages;
  useEffect(() => {
    removed.forEach(forget);
  }, [removed, forget]);

  const names = useMemo(() => displayNames(pages.items.map((item) => item.path)), [pages.items]);
  const shown = useRef(pages);
  useEffect(() => {
    shown.current = pages;
  });
  useEffect(() => {
    onShownChange?.();
  }, [pages.items, pages.more, onShownChange]);
  const open = (item: GalleryItem) =>
    onOpen(item, {
      items: () => shown.current.items,
      more: () => shown.current.more,
      loadMore: () => shown.current.loadMore(),
    });

  const scroller = useRef<HTMLDivElement>(null);
  const width = useWidth(scroller);
  const columns = gridColumns(width);
  const tileSize = width > 0 ? Math.floor((width - tileGap * (columns - 1)) / columns) : 0;
  const rows = Math.ceil(pages.items.length / columns);

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack's documented use; nothing here is compiler-memoised.
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => tileSize + captionHeight + tileGap,
    overscan: 3,
  });
  useEffect(() => {
    virtualizer.measure();
  }, [tileSize, virtualizer]);

  // A new filter starts at the top of its results, not at the old scroll position. (Braces: scrollTo returns
  // a promise in current Chromium, and an effect must return nothing or its cleanup.)
  useEffect(() => {
    void scroller.current?.scrollTo(0, 0);
  }, [query, mode]);

  const virtualRows = virtualizer.getVirtualItems();
  const lastShownRow = virtualRows[virtualRows.length - 1]?.index ?? 0;
  const { more, loading, loadMore } = pages;
  useEffect(() => {
    if (more && !loading && lastShownRow >= rows - prefetchRows) loadMore();
  }, [more, loading, lastShownRow, rows, loadMore]);

  return (
    <section aria-labelledby="gallery-title" className="gallery">
      <div className="gallery-head">
        <h2 id="gallery-title">Gallery</h2>
        <label className="filter">
          <span>Filter</span>
          <input
            type="search"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
            placeholder="Prompt or file name"
            aria-label="Filter the gallery by prompt or file name"
          />
        </label>
        <label className="mode-filter">
          <span>Show</span>
          <select
            value={mode}
            onChange={(event) => setMode(toMode(event.target.value))}
            aria-label="Show generations of one kind"
          >
            {modeChoices.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
        <p className="muted" role="status" aria-live="polite">
          {filtered
            ? `${pages.items.length}${pages.more ? '+' : ''} matching of ${pages.total}`
            : `${pages.total} generations`}
        </p>
      </div>
      {pages.error ? <ErrorNote error={pages.error} what="the gallery" /> : null}
      {!pages.loading && !pages.error && pages.items.length === 0 ? (
        <div className="empty">
          {query ? (
            <p>Nothing matches “{query}”. Try fewer words, or part of a file name.</p>
          ) : mode ? (
            <p>No {modeChoices.find((choice) => choice.value === mode)?.label.toLowerCase()} images yet.</p>
          ) : (
            <>
              <p>No generations yet.</p>
              <p className="muted">
                Every image an agent generates through the bridge shows up here. See{' '}
                <a href="#/connect">Connect an agent</a> to set one up.
              </p>
            </>
          )}
        </div>
      ) : null}
      <div ref={scroller} className="grid-scroller" aria-label="Generations" role="region" tabIndex={-1}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {tileSize > 0
            ? virtualRows.map((row) => (
                <div
                  key={row.key}
                  className="grid-row"
                  style={{ transform: `translateY(${row.start}px)`, gap: tileGap }}
                >
                  {rowItems(pages.items, row.index, columns).map((item) => (
                    <Tile
                      key={item.id}
                      item={item}
                      name={names.get(item.path) ?? item.path}
                      size={tileSize}
                      settled={!virtualizer.isScrolling}
                      onOpen={open}
                    />
                  ))}
                </div>
              ))
            : null}
        </div>
        {pages.loading && pages.items.length > 0 ? (
          <p className="muted" role="status">
            Loading more…
          </p>
        ) : null}
        {!pages.more && pages.items.length > 0 ? (
          <p className="muted end-of-gallery">End of the gallery.</p>
        ) : null}
      </div>
    </section>
  );
}

function toMode(value: string): GalleryMode | '' {
  return (galleryModes as readonly string[]).includes(value) ? (value as GalleryMode) : '';
}
