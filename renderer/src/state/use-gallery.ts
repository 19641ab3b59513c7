import { useCallback, useState, useEffect, useRef } from 'react';
import type { GalleryItem, GalleryMode, GalleryPage } from '../../../shared/dashboard-api.js';
import { useLive, useLiveEvents } from './live.js';
import { mergePage, prependNew } from './gallery.js';
import type { PrefetchedPage } from './gallery-prefetch.js';

export const galleryPageSize = 200;

export interface GalleryPages {
  items: GalleryItem[];
  total: number;
  /** More pages exist beyond what is loaded. */
  more: boolean;
  loading: boolean;
  error: unknown;
  loadMore: () => void;
  forget: (id: string) => void;
}

interface Loaded {
  /** Which filter these pages belong to. */
  key: string;
  items: GalleryItem[];
  total: number;
  cursor: string | undefined;
  error: unknown;
}

/** The key of the unfiltered gallery, the one a prefetched first page is for. */
const everythingKey = '\n';

function loadedFrom(key: string, page: GalleryPage): Loaded {
  return { key, items: page.items, total: page.total, cursor: page.nextCursor, error: undefined };
}

/**
 * The gallery as pages loaded on demand (the grid asks for more as it nears the end), for one filter text and
 * mode (undefined: every mode).
 * Live events add new generations at the top and drop removed ones without reloading what is shown.
 * `takePrefetched` answers a first page fetched ahead (state/gallery-prefetch.ts) while it is still good: the
 * unfiltered gallery then starts from it, rendered at once if it has arrived, instead of asking again.
 */
export function useGalleryPages(
  query: string,
  mode?: GalleryMode,
  takePrefetched?: () => PrefetchedPage | undefined,
): GalleryPages {
  const { client, generation } = useLive();
  const key = `${mode ?? ''}\n${query}`;
  const [loaded, setLoaded] = useState<Loaded>(() => {
    const prefetched = key === everythingKey ? takePrefetched?.() : undefined;
    return prefetched && !(prefetched instanceof Promise)
      ? loadedFrom(key, prefetched)
      : { key: '', items: [], total: 0, cursor: undefined, error: undefined };
  });
  // The first load was answered from the prefetch: the effect below has nothing to ask for.
  const startedLoaded = useRef(loaded.key === key);
  // The cursor a next-page request is out for; its answer is dropped if the filter changed meanwhile.
  const [pendingCursor, setPendingCursor] = useState<string>();

  useEffect(() => {
    if (startedLoaded.current) {
      startedLoaded.current = false;
      return;
    }
    let current = true;
    const ask = () => client.gallery({ query, ...(mode ? { mode } : {}), limit: galleryPageSize });
    const prefetched = key === everythingKey ? takePrefetched?.() : undefined;
    // A prefetch still out when the gallery opened is used only if nothing changed before its answer came
    // (and asked again if it failed).
    const first = prefetched
      ? Promise.resolve(prefetched).then((page) => (takePrefetched?.() ? page : ask()), ask)
      : ask();
    first.then(
      (page) => current && setLoaded(loadedFrom(key, page)),
      (error: unknown) => current && setLoaded({ key, items: [], total: 0, cursor: undefined, error }),
    );
    return () => {
      current = false;
    };
    // takePrefetched is read once per filter change, not a reason to load again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, query, mode, key]);

  const stale = loaded.key !== key;
  const loadMore = useCallback(() => {
    const cursor = loaded.cursor;
    if (stale || cursor === undefined || pendingCursor !== undefined) return;
    setPendingCursor(cursor);
    client.gallery({ query, ...(mode ? { mode } : {}), limit: galleryPageSize, cursor }).then(
      (page) => {
        setPendingCursor(undefined);
        setLoaded((shown) =>
          shown.key !== key || shown.cursor !== cursor
            ? shown
            : {
                ...shown,
                items: mergePage(shown.items, page.items),
                total: page.total,
                cursor: page.nextCursor,
              },
        );
      },
      (error: unknown) => {
        setPendingCursor(undefined);
        setLoaded((shown) => (shown.key !== key ? shown : { ...shown, error }));
      },
    );
  }, [client, query, mode, key, stale, loaded.cursor, pendingCursor]);

  const forget = useCallback((id: string) => {
    // Called for the person's own delete and again for its event: count it once.
    setLoaded((shown) =>
      shown.items.some((item) => item.id === id)
        ? { ...shown, items: shown.items.filter((item) => item.id !== id), total: shown.total - 1 }
        : shown,
    );
  }, []);

  // Only the first page can hold a new generation (newest first): fetch it and add what is new.
  const refreshTop = useCallback(() => {
    void client.gallery({ query, ...(mode ? { mode } : {}), limit: galleryPageSize }).then(
      (page) =>
        setLoaded((shown) =>
          shown.key !== key
            ? shown
            : { ...shown, items: prependNew(shown.items, page.items), total: page.total },
        ),
      () => undefined,
    );
  }, [client, query, mode, key]);

  // After the events socket reconnects, catch up on additions without dropping the pages already scrolled
  // through (a removal missed meanwhile shows until the filter changes or the page reloads).
  useEffect(() => {
    if (generation > 1) refreshTop();
  }, [generation, refreshTop]);

  useLiveEvents((event) => {
    if (event.type !== 'gallery') return;
    if (event.change === 'removed') forget(event.id);
    else refreshTop();
  });

  return {
    // While a new filter loads, the previous results stay in view rather than flashing empty.
    items: loaded.items,
    total: loaded.total,
    more: !stale && loaded.cursor !== undefined,
    loading: stale || pendingCursor !== undefined,
    error: stale ? undefined : loaded.error,
    loadMore,
    forget,
  };
}
