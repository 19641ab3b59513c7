import { useState } from 'react';
import type { BatchView, ItemView } from '../../../shared/dashboard-api.js';
import { adviceFor } from '../api/errors.js';
import { ProgressBar } from '../components/ProgressBar.js';
import {
  applyBatchEvent,
  batchFraction,
  batchSummary,
  itemFraction,
  sortBatches,
  stateLabels,
} from '../state/batches.js';
import { useLive, useLiveEvents, useResource } from '../state/live.js';
import {
  applyPreviewEvent,
  forgetFinished,
  stepLine,
  type LivePreview,
  type LivePreviews,
} from '../state/live-previews.js';
import { ErrorNote, Loading } from '../components/Notes.js';

/** The running item's newest sampler preview, the finished item's thumbnail, or an empty frame of the same size. */
function ItemPicture({
  item,
  live,
  label,
}: {
  item: ItemView;
  live: LivePreview | undefined;
  label: string;
}) {
  const { client } = useLive();
  if (item.state === 'running' && live?.image)
    return <img className="item-picture" src={live.image} alt={`${label} forming`} />;
  if (item.state === 'completed' && item.imageId)
    return (
      <img
        className="item-picture"
        src={client.imageUrl(item.imageId, 'thumbnail')}
        alt={label}
        loading="lazy"
        decoding="async"
      />
    );
  return <span className="item-picture" aria-hidden="true" />;
}

function Item({
  item,
  live,
  onOpen,
}: {
  item: ItemView;
  live: LivePreview | undefined;
  onOpen: (item: ItemView) => void;
}) {
  const label = `Image ${item.index + 1}`;
  const step = item.state === 'running' ? stepLine(item.progress, live) : undefined;
  return (
    <li className="item" data-state={item.state}>
      <span className="item-index">{item.index + 1}</span>
      <ItemPicture item={item} live={live} label={label} />
      <div className="item-main">
        <div className="item-line">
          <span className="item-prompt" title={item.prompt}>
            {item.prompt}
          </span>
          <span className={`badge badge-${item.state}`}>{stateLabels[item.state]}</span>
        </div>
        <ProgressBar fraction={itemFraction(item)} label={`${label} progress`} tone={item.state} />
        {step ? <p className="item-step muted">{step}</p> : null}
        {item.error ? (
          <p className="item-error">
            {item.error.message} <span className="muted">({item.error.code})</span>
          </p>
        ) : null}
      </div>
      {item.imageId ? (
        <button type="button" onClick={() => onOpen(item)} aria-label={`Open ${label}`}>
          Open
        </button>
      ) : null}
    </li>
  );
}

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
      <ol className="items" aria-label={`Images of batch ${batch.id}`}>
        {batch.items.map((item) => (
          <Item key={item.jobId} item={item} live={live.get(item.jobId)} onOpen={onOpen} />
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
      {loaded.state === 'ready'
        ? loaded.value.map((batch) => (
            <Batch key={batch.id} batch={batch} live={live.previews} onOpen={onOpenItem} />
          ))
        : null}
    </section>
  );
}
