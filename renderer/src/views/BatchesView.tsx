import { useState } from 'react';
import type { BatchView, ItemView } from '../../../shared/dashboard-api.js';
import { adviceFor } from '../api/errors.js';
import { ProgressBar } from '../components/ProgressBar.js';
import {
  applyBatchEvent,
  batchCards,
  batchFraction,
  batchSummary,
  fileAndFolder,
  finishedIds,
  loadCleared,
  saveCleared,
  sortBatches,
} from '../state/batches.js';
import { useLive, useLiveEvents, useResource } from '../state/live.js';
import { applyPreviewEvent, forgetFinished, type LivePreviews } from '../state/live-previews.js';
import { ErrorNote, Loading } from '../components/Notes.js';
import { BatchItem } from './BatchItem.js';

function Batch({
  batch,
  live,
  onOpen,
}: {
  batch: BatchView;
  live: LivePreviews;
  onOpen: (item: ItemView) => void;
}) {
  const { client } = useLive();
  const [cancelError, setCancelError] = useState<string>();
  const [cancelling, setCancelling] = useState(false);
  // A batch already finished when the view opened starts collapsed; one watched while it ran stays open.
  const [expanded, setExpanded] = useState(!batch.done);
  const cancel = () => {
    setCancelling(true);
    client.cancelBatch(batch.id).then(
      () => setCancelling(false),
      (error: unknown) => {
        setCancelling(false);
        setCancelError(adviceFor(error));
      },
    );
  };
  return (
    <article className="card batch" aria-labelledby={`batch-${batch.id}`} data-done={batch.done}>
      <header className="batch-head">
        <div>
          <h3 id={`batch-${batch.id}`}>
            Batch <code>{batch.id}</code>
          </h3>
          <p className="muted">
            {new Date(batch.createdAt).toLocaleString()} ·{' '}
            {batch.priority === 'interactive' ? 'single image' : 'batch'}
          </p>
        </div>
        <p className="batch-summary" aria-live="polite">
          {batchSummary(batch)}
        </p>
        <button
          type="button"
          aria-expanded={expanded}
          aria-controls={`items-${batch.id}`}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? 'Hide images' : `Show ${batch.items.length} images`}
        </button>
        {!batch.done ? (
          <button
            type="button"
            onClick={cancel}
            disabled={cancelling}
            aria-label={`Cancel batch ${batch.id}`}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
      </header>
      <ProgressBar fraction={batchFraction(batch)} label={`Batch ${batch.id} progress`} />
      {cancelError ? (
        <p role="alert" className="note note-error">
          {cancelError}
        </p>
      ) : null}
      {expanded ? (
        <ol className="items" id={`items-${batch.id}`} aria-label={`Images of batch ${batch.id}`}>
          {batch.items.map((item) => (
            <BatchItem
              key={item.jobId}
              item={item}
              label={`Image ${item.index + 1}`}
              live={live.get(item.jobId)}
              onOpen={onOpen}
            />
          ))}
        </ol>
      ) : null}
    </article>
  );
}

/** Every single-image call in one card, newest first, each item named by its file (or its prompt while none). */
function RecentCard({
  batches,
  live,
  onOpen,
}: {
  batches: BatchView[];
  live: LivePreviews;
  onOpen: (item: ItemView) => void;
}) {
  const { client } = useLive();
  const [cancelError, setCancelError] = useState<string>();
  const items = batches.flatMap((batch) => batch.items.map((item) => ({ batch, item })));
  const done = items.filter(({ item }) => item.state === 'completed').length;
  return (
    <article className="card batch recent" aria-labelledby="recent-title">
      <header className="batch-head">
        <div>
          <h3 id="recent-title">Recent single images</h3>
          <p className="muted">generate_image and edit_image calls</p>
        </div>
        <p className="batch-summary" aria-live="polite">
          {done} of {items.length} done
        </p>
      </header>
      {cancelError ? (
        <p role="alert" className="note note-error">
          {cancelError}
        </p>
      ) : null}
      <ol className="items" aria-label="Recent single images">
        {items.map(({ batch, item }) => (
          <BatchItem
            key={item.jobId}
            item={item}
            label={item.path ? fileAndFolder(item.path).file : `image of ${batch.id}`}
            numbered={false}
            live={live.get(item.jobId)}
            onOpen={onOpen}
            onCancel={() =>
              void client.cancelBatch(batch.id).catch((error: unknown) => setCancelError(adviceFor(error)))
            }
          />
        ))}
      </ol>
    </article>
  );
}

export function BatchesView({ onOpenItem }: { onOpenItem: (item: ItemView) => void }) {
  const { loaded, set } = useResource(async (client) => sortBatches((await client.batches()).batches));
  // Sampler previews and step times: in this view's memory only, gone with the job, or with the events socket
  // (after a reconnection the batches load afresh and whatever was sampled meanwhile is unknown).
  const { generation } = useLive();
  const [live, setLive] = useState<{ generation: number; previews: LivePreviews }>(() => ({
    generation,
    previews: new Map(),
  }));
  if (live.generation !== generation) setLive({ generation, previews: new Map() });
  const updateLive = (update: (previews: LivePreviews) => LivePreviews) =>
    setLive((current) => {
      const previews = update(current.previews);
      return previews === current.previews ? current : { ...current, previews };
    });
  const [cleared, setCleared] = useState(() => loadCleared(window.localStorage));
  const clearFinished = (batches: readonly BatchView[]) => {
    const next = new Set([...cleared, ...finishedIds(batches)]);
    saveCleared(window.localStorage, next);
    setCleared(next);
  };
  useLiveEvents((event) => {
    if (event.type === 'batch' || event.type === 'progress')
      set((batches) => applyBatchEvent(batches, event));
    if (event.type === 'batch') updateLive((previews) => forgetFinished(previews, event.batch));
    if (event.type === 'preview' || event.type === 'progress') {
      const now = performance.now();
      updateLive((previews) => applyPreviewEvent(previews, event, now));
    }
  });

  return (
    <section aria-labelledby="batches-title">
      <h2 id="batches-title">Batches</h2>
      {loaded.state === 'loading' ? <Loading what="batches" /> : null}
      {loaded.state === 'error' ? <ErrorNote error={loaded.error} what="batches" /> : null}
      {loaded.state === 'ready' && loaded.value.length === 0 ? (
        <div className="empty">
          <p>No batches yet.</p>
          <p className="muted">
            When an agent calls <code>generate_image</code> or <code>batch_generate_images</code>, its images
            appear here with live progress. See <a href="#/connect">Connect an agent</a> to set one up.
          </p>
        </div>
      ) : null}
      {loaded.state === 'ready' &&
      loaded.value.length > 0 &&
      batchCards(loaded.value, cleared).length === 0 ? (
        <p className="muted">Finished batches cleared: their images are in the Gallery.</p>
      ) : null}
      {loaded.state === 'ready' && finishedIds(loaded.value).some((id) => !cleared.has(id)) ? (
        <p className="batches-actions">
          <button type="button" onClick={() => clearFinished(loaded.value)}>
            Clear finished
          </button>{' '}
          <span className="muted">Hides them here; their images stay in the Gallery.</span>
        </p>
      ) : null}
      {loaded.state === 'ready'
        ? batchCards(loaded.value, cleared).map((card) =>
            card.kind === 'recent' ? (
              <RecentCard key="recent" batches={card.batches} live={live.previews} onOpen={onOpenItem} />
            ) : (
              <Batch key={card.batch.id} batch={card.batch} live={live.previews} onOpen={onOpenItem} />
            ),
          )
        : null}
    </section>
  );
}
