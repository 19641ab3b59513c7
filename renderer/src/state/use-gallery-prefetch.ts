import { useEffect, useMemo, useRef } from 'react';
import { createGalleryPrefetch, type PrefetchedPage } from './gallery-prefetch.js';
import { useLive, useLiveEvents } from './live.js';
import { galleryPageSize } from './use-gallery.js';

/** Runs `work` when the page is idle (soon in any case), unless cancelled first. */
function whenIdle(work: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(work, { timeout: 200 });
    return () => cancelIdleCallback(handle);
  }
  const handle = setTimeout(work, 0);
  return () => clearTimeout(handle);
}

/**
 * Fetches the gallery's first page and first thumbnails ahead, once the view the window opened on has shown
 * and the events socket is open (so every change after the request is heard of and drops the page); skipped
 * when the window opens on the gallery itself. Answers the page for the Gallery view while it is still good.
 */
export function useGalleryPrefetch(
  galleryShown: boolean,
  firstViewShown: boolean,
): () => PrefetchedPage | undefined {
  const { client, eventsState } = useLive();
  const prefetch = useMemo(() => createGalleryPrefetch(client, { pageSize: galleryPageSize }), [client]);
  const galleryWasShown = useRef(false);
  useEffect(() => {
    if (galleryShown) galleryWasShown.current = true;
  }, [galleryShown]);

  useLiveEvents((event) => {
    if (event.type === 'gallery') prefetch.invalidate();
  });
  // Events sent while the socket is down are lost: a page fetched before that cannot be trusted after it.
  useEffect(() => {
    if (eventsState !== 'open') prefetch.invalidate();
  }, [eventsState, prefetch]);

  const ready = eventsState === 'open' && firstViewShown && !galleryShown;
  useEffect(() => {
    if (!ready || galleryWasShown.current) return;
    return whenIdle(() => prefetch.start());
  }, [ready, prefetch]);
  return prefetch.take;
}
