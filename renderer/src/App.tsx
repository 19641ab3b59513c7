import { useCallback, useEffect, useState } from 'react';
import type { ItemView, StatusView as Status } from '../../shared/dashboard-api.js';
import type { ApiClient } from './api/client.js';
import { ApiError, adviceFor, isTokenProblem } from './api/errors.js';
import { CodeText } from './components/CodeText.js';
import { ErrorNote } from './components/Notes.js';
import { fileName } from './state/gallery.js';
import { stepFrom, type GalleryOrder } from './state/gallery-order.js';
import { displayNames } from './state/gallery-names.js';
import { LiveProvider, useLive, useLiveEvents, useResource } from './state/live.js';
import { connectionLabels, summarizeConnection } from './state/status.js';
import { useGalleryPrefetch } from './state/use-gallery-prefetch.js';
import type { LightboxImage } from './views/Lightbox.js';
import { lazyView } from './views/lazy-view.js';
import { StatusView } from './views/StatusView.js';

/*
 * Status, the view the window opens on, is in the page's script; every other view is a chunk of its own,
 * loaded when first shown, so the first paint does not wait for code it does not run. The gallery, one click
 * away and the view most visited, starts loading once the page has painted (its chunk is preloaded already),
 * and its first page and first thumbnails are fetched ahead then too (state/use-gallery-prefetch.ts).
 */
const BatchesView = lazyView(() => import('./views/BatchesView.js').then((m) => m.BatchesView));
const ChecklistView = lazyView(() => import('./views/ChecklistView.js').then((m) => m.ChecklistView));
const ConnectView = lazyView(() => import('./views/ConnectView.js').then((m) => m.ConnectView));
const GalleryView = lazyView(() => import('./views/GalleryView.js').then((m) => m.GalleryView));
const Lightbox = lazyView(() => import('./views/Lightbox.js').then((m) => m.Lightbox));
const SettingsView = lazyView(() => import('./views/SettingsView.js').then((m) => m.SettingsView));
const WorkflowsView = lazyView(() => import('./views/WorkflowsView.js').then((m) => m.WorkflowsView));

export const views = [
  { id: 'status', title: 'Status' },
  { id: 'batches', title: 'Batches' },
  { id: 'gallery', title: 'Gallery' },
  { id: 'workflows', title: 'Workflows' },
  { id: 'settings', title: 'Settings' },
  { id: 'connect', title: 'Connect an agent' },
] as const;
/** Pages reached by link rather than a tab: the first-run checklist (the window opens on it, Status links it). */
const linkedPages = [{ id: 'checklist', title: 'Get started' }] as const;
export type ViewId = (typeof views)[number]['id'] | (typeof linkedPages)[number]['id'];

/** The view named by the address's hash (`#/gallery`), Status when it names none. */
export function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/u, '');
  return [...views, ...linkedPages].find((view) => view.id === id)?.id ?? 'status';
}

function useHashView(): ViewId {
  const [view, setView] = useState(() => viewFromHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setView(viewFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return view;
}

const failedLabels = { 'wrong-token': 'Wrong access token', 'bridge-down': 'Bridge not answering' };

function ConnectionIndicator({ status, error }: { status: Status | undefined; error: unknown }) {
  const { eventsState } = useLive();
  const summary = status ? summarizeConnection(status) : undefined;
  const failed = error === undefined ? undefined : isTokenProblem(error) ? 'wrong-token' : 'bridge-down';
  const label = failed ? failedLabels[failed] : summary ? connectionLabels[summary] : 'Checking…';
  return (
    <a
      href="#/status"
      className="indicator"
      data-state={failed ?? summary ?? 'checking'}
      role="status"
      aria-label={`Connection: ${label}`}
    >
      <span className="dot" aria-hidden="true" />
      {label}
      {eventsState === 'closed' ? <span className="muted"> (reconnecting…)</span> : null}
    </a>
  );
}

/** An item opened from a batch, as the lightbox shows it until the gallery record is found. */
function fromBatchItem(item: ItemView): LightboxImage | undefined {
  if (!item.imageId || !item.path) return undefined;
  const format = /\.(png|jpe?g|webp)$/iu.exec(item.path)?.[1]?.toLowerCase();
  return {
    id: item.imageId,
    path: item.path,
    prompt: item.prompt,
    seed: item.seed,
    width: item.width,
    height: item.height,
    format: format === 'jpg' || format === 'jpeg' ? 'jpeg' : format === 'webp' ? 'webp' : 'png',
    bytes: 0,
    workflow: item.workflow,
  };
}

function Dashboard() {
  const view = useHashView();
  const { client } = useLive();
  const status = useResource((api) => api.status());
  useLiveEvents((event) => {
    if (event.type === 'status') status.set(() => event.status);
  });
  const [open, setOpen] = useState<LightboxImage>();
  // The gallery the lightbox was opened from (its items read anew at each step); none from a batch.
  const [order, setOrder] = useState<GalleryOrder>();
  // Bumped when the gallery's loaded items change, so the steps below are worked out from the new ones.
  const [, setShownVersion] = useState(0);
  const onShownChange = useCallback(() => setShownVersion((version) => version + 1), []);
  // The image → was pressed on at the end of the loaded items: step on from it once the next page is in.
  const [stepWhenLoaded, setStepWhenLoaded] = useState<string>();
  /** Shows another image (or none): a step still waiting for a page is forgotten. */
  const show = (image: LightboxImage | undefined) => {
    setStepWhenLoaded(undefined);
    setOpen(image);
  };
  const [removed, setRemoved] = useState<string[]>([]);
  const [notice, setNotice] = useState<string>();

  const openBatchItem = useCallback(
    (item: ItemView) => {
      const partial = fromBatchItem(item);
      if (!partial) return;
      setStepWhenLoaded(undefined);
      setOpen(partial);
      setOrder(undefined);
      // The gallery record adds backend and time; it is found by the file name the item was saved as.
      client.gallery({ query: fileName(partial.path), limit: 50 }).then(
        (page) => {
          const record = page.items.find((candidate) => candidate.id === partial.id);
          if (record) setOpen((current) => (current?.id === record.id ? record : current));
        },
        () => undefined,
      );
    },
    [client],
  );

  const shownOrder = open && order ? order.items() : [];
  const previous = open ? stepFrom(shownOrder, open.id, -1, false) : undefined;
  const next = open && order ? stepFrom(shownOrder, open.id, 1, order.more()) : undefined;
  const stepTo = (step: typeof next) =>
    step?.kind === 'item'
      ? () => show(step.item)
      : step?.kind === 'load-more' && open && order
        ? () => {
            setStepWhenLoaded(open.id);
            order.loadMore();
          }
        : undefined;
  // The page → asked for has come: step on, as if → had found the item at once. (State adjusted while
  // rendering, as React advises for state derived from other state, rather than in an effect a frame later.)
  if (stepWhenLoaded !== undefined && next?.kind === 'item' && open?.id === stepWhenLoaded) {
    setStepWhenLoaded(undefined);
    setOpen(next.item);
  }

  const current = status.loaded.state === 'loading' ? undefined : status.loaded.value;
  const statusError = status.loaded.state === 'error' ? status.loaded.error : undefined;
  const title = [...views, ...linkedPages].find((candidate) => candidate.id === view)?.title ?? '';
  useEffect(() => {
    document.title = `${title} — ComfyUI MCP Bridge`;
  }, [title]);
  useEffect(() => GalleryView.preload(), []);
  const takePrefetched = useGalleryPrefetch(view === 'gallery', status.loaded.state !== 'loading');

  return (
    <>
      <header className="top">
        <h1>ComfyUI MCP Bridge</h1>
        <ConnectionIndicator status={current} error={statusError} />
      </header>
      <nav aria-label="Views" className="tabs">
        {views.map((candidate) => (
          <a
            key={candidate.id}
            href={`#/${candidate.id}`}
            aria-current={candidate.id === view ? 'page' : undefined}
          >
            {candidate.title}
          </a>
        ))}
      </nav>
      <main>
        {notice ? (
          <p role="status" className="note note-ok">
            {notice}{' '}
            <button type="button" onClick={() => setNotice(undefined)} aria-label="Dismiss">
              ×
            </button>
          </p>
        ) : null}
        {view === 'status' ? (
          current ? (
            <StatusView status={current} />
          ) : statusError !== undefined ? (
            <ErrorNote error={statusError} what="the status" />
          ) : null
        ) : null}
        {view === 'batches' ? <BatchesView onOpenItem={openBatchItem} /> : null}
        {view === 'gallery' ? (
          <GalleryView
            onOpen={(item, items) => {
              show(item);
              setOrder(items);
            }}
            onShownChange={onShownChange}
            removed={removed}
            takePrefetched={takePrefetched}
          />
        ) : null}
        {view === 'workflows' ? <WorkflowsView /> : null}
        {view === 'settings' ? <SettingsView /> : null}
        {view === 'connect' ? <ConnectView /> : null}
        {view === 'checklist' ? <ChecklistView /> : null}
      </main>
      {open ? (
        <Lightbox
          key={open.id}
          image={open}
          name={order ? displayNames(shownOrder.map((item) => item.path)).get(open.path) : undefined}
          onPrevious={stepTo(previous)}
          onNext={stepTo(next)}
          onClose={() => show(undefined)}
          onDeleted={(id, message) => {
            show(undefined);
            setRemoved((ids) => [...ids, id]);
            setNotice(message);
          }}
        />
      ) : null}
    </>
  );
}

/** Without a token nothing works; say how to get a page that has one. */
function NoToken() {
  return (
    <main>
      <h1>ComfyUI MCP Bridge</h1>
      <div role="alert" className="note note-error">
        <CodeText text={adviceFor(new ApiError('no_token', 'No access token.'))} />
      </div>
    </main>
  );
}

export function App({ client }: { client: ApiClient }) {
  if (!client.token) return <NoToken />;
  return (
    <LiveProvider client={client}>
      <Dashboard />
    </LiveProvider>
  );
}
