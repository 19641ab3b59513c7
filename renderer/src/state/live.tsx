import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { DashboardEvent } from '../../../shared/dashboard-api.js';
import type { ApiClient, EventsState } from '../api/client.js';

/*
 * One events socket for the whole page, fanned out to the views. A view that shows server state loads it
 * once, applies events as they come, and reloads after every reconnection (events sent while the socket was
 * down are gone).
 */

type Listener = (event: DashboardEvent) => void;

interface Live {
  client: ApiClient;
  eventsState: EventsState;
  /** Increments on every (re)connection of the events socket. */
  generation: number;
  listen: (listener: Listener) => () => void;
}

const LiveContext = createContext<Live | undefined>(undefined);

export function LiveProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [eventsState, setEventsState] = useState<EventsState>('connecting');
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (!client.token) return;
    return client.subscribe({
      onEvent: (event) => listeners.current.forEach((listener) => listener(event)),
      onOpen: () => setGeneration((value) => value + 1),
      onStateChange: setEventsState,
    });
  }, [client]);

  const live = useMemo<Live>(
    () => ({
      client,
      eventsState,
      generation,
      listen(listener) {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [client, eventsState, generation],
  );
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside <LiveProvider>');
  return live;
}

/** Calls the handler for every live event; the handler may change between renders. */
export function useLiveEvents(handler: Listener): void {
  const { listen } = useLive();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => listen((event) => latest.current(event)), [listen]);
}

export type Loaded<T> =
  { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: unknown; value?: T };

/**
 * Loads a resource on mount, after every events reconnection and whenever `reloadKey` changes; `set` lets event
 * handlers update it in place.
 */
export function useResource<T>(load: (client: ApiClient) => Promise<T>, reloadKey: unknown = 0) {
  const { client, generation } = useLive();
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });

  const [manual, setManual] = useState(0);
  useEffect(() => {
    let current = true;
    loader.current(client).then(
      (value) => current && setLoaded({ state: 'ready', value }),
      (error: unknown) =>
        current &&
        setLoaded((previous) => ({
          state: 'error',
          error,
          ...(previous.state !== 'loading' && previous.value !== undefined ? { value: previous.value } : {}),
        })),
    );
    return () => {
      current = false;
    };
  }, [client, generation, reloadKey, manual]);

  const set = (update: (value: T) => T) =>
    setLoaded((previous) =>
      previous.state === 'ready' ? { state: 'ready', value: update(previous.value) } : previous,
    );
  return { loaded, set, reload: () => setManual((value) => value + 1) };
}
