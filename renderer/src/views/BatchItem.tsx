import type { ItemView } from '../../../shared/dashboard-api.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { fileAndFolder, itemFraction, stateLabels } from '../state/batches.js';
import { useLive } from '../state/live.js';
import { stepLine, type LivePreview } from '../state/live-previews.js';

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

/** One item of a batch card: its picture, prompt, state, progress, file, step or error, and its buttons. */
export function BatchItem({
  item,
  label,
  live,
  onOpen,
  onCancel,
  numbered = true,
}: {
  item: ItemView;
  label: string;
  live: LivePreview | undefined;
  onOpen: (item: ItemView) => void;
  /** A single call's item is cancelled on its own (its call is a batch of one). */
  onCancel?: (() => void) | undefined;
  /** Its place in its batch; not for the Recent card, where every item is the first of its own call. */
  numbered?: boolean;
}) {
  const where = item.path ? fileAndFolder(item.path) : undefined;
  const step = item.state === 'running' ? stepLine(item.progress, live) : undefined;
  return (
    <li className="item" data-state={item.state}>
      {numbered ? <span className="item-index">{item.index + 1}</span> : null}
      <ItemPicture item={item} live={live} label={label} />
      <div className="item-main">
        <div className="item-line">
          {/* Shown whole on hover and on keyboard focus (styles.css), truncated otherwise. */}
          <span className="item-prompt" title={item.prompt} tabIndex={0}>
            {item.prompt}
          </span>
          <span className={`badge badge-${item.state}`}>{stateLabels[item.state]}</span>
        </div>
        <ProgressBar fraction={itemFraction(item)} label={`${label} progress`} tone={item.state} />
        {where ? (
          <p className="item-file muted" title={item.path}>
            <code>{where.file}</code> in {where.folder}
          </p>
        ) : null}
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
      {onCancel && (item.state === 'pending' || item.state === 'running') ? (
        <button type="button" onClick={onCancel} aria-label={`Cancel ${label}`}>
          Cancel
        </button>
      ) : null}
    </li>
  );
}
