import { useState } from 'react';
import type { GalleryItem } from '../../../shared/dashboard-api.js';
import { adviceFor } from '../api/errors.js';
import { CodeText } from '../components/CodeText.js';
import { CopyButton } from '../components/CopyButton.js';
import { Dialog } from '../components/Dialog.js';
import { useLive } from '../state/live.js';
import { editModeLabel, fileName, fileProblemLabel, formatTime } from '../state/gallery.js';
import { imgSnippet } from '../state/img-snippet.js';
import { formatBytes } from '../state/status.js';
import { BeforeAfter } from './BeforeAfter.js';
import { WebAssetPanel } from './WebAssetPanel.js';

/** What the lightbox shows; a batch item opened before the gallery knows it may lack backend, time and file state. */
export type LightboxImage = Omit<GalleryItem, 'backend' | 'createdAt' | 'fileState'> & {
  backend?: string;
  createdAt?: string;
  fileState?: GalleryItem['fileState'];
};

/**
 * One image large, with everything recorded about it, and the actions on it. Delete asks first; the file goes
 * to the OS trash (desktop) or the bridge's trash folder (headless), never straight to oblivion. An entry whose
 * file was replaced or is missing says so, and its delete removes the entry only (the server decides again).
 * Opened from the gallery, the arrow keys (and the Previous/Next buttons) go through the gallery's current order.
 */
export function Lightbox({
  image,
  name = fileName(image.path),
  onClose,
  onDeleted,
  onPrevious,
  onNext,
}: {
  image: LightboxImage;
  /** The name the gallery shows for it (with its folder when another shown file has the same name). */
  name?: string;
  onClose: () => void;
  /** `message` says what happened to the file (trashed, or left alone because it was replaced or missing). */
  onDeleted: (id: string, message: string) => void;
  /** Absent at either end of the gallery, and for an image opened from a batch. */
  onPrevious?: () => void;
  onNext?: () => void;
}) {
  const { client } = useLive();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [notice, setNotice] = useState<string>();
  // The file can go between the listing and this request: then it says so rather than show a broken image.
  const [failedToLoad, setFailedToLoad] = useState(false);

  const onKey = (event: React.KeyboardEvent) => {
    // The before/after slider and the confirmation take their own keys.
    const target = event.target as HTMLElement;
    if (event.defaultPrevented || confirming || target.closest('input, textarea, select')) return;
    const step = event.key === 'ArrowLeft' ? onPrevious : event.key === 'ArrowRight' ? onNext : undefined;
    if (!step) return;
    event.preventDefault();
    step();
  };

  const remove = () => {
    setBusy(true);
    client.deleteImage(image.id).then(
      (result) => {
        setBusy(false);
        setConfirming(false);
        onDeleted(image.id, result.message);
      },
      (error: unknown) => {
        setBusy(false);
        setConfirming(false);
        setProblem(adviceFor(error));
      },
    );
  };
  const reveal = () => {
    client.revealImage(image.id).then(
      () => setNotice('Shown in the file manager.'),
      (error: unknown) => setProblem(adviceFor(error)),
    );
  };

  const facts: [string, string | undefined][] = [
    ['Prompt', image.prompt],
    ['Negative prompt', image.negativePrompt],
    ['Seed', String(image.seed)],
    ['Size', `${image.width} × ${image.height} ${image.format.toUpperCase()}, ${formatBytes(image.bytes)}`],
    ['Workflow', image.workflow],
    ['Backend', image.backend],
    ['Time', image.createdAt ? formatTime(image.createdAt) : undefined],
    ['Path', image.path],
    ['Edit', image.edit ? editModeLabel(image.edit.mode) : undefined],
    ['Source', image.edit?.source],
  ];

  const fileProblem = fileProblemLabel(image.fileState);

  return (
    <Dialog title={name} onClose={onClose} className="lightbox" onKey={onKey}>
      {onPrevious || onNext ? (
        <div className="lightbox-nav">
          <button type="button" onClick={onPrevious} disabled={!onPrevious} aria-label="Previous image (←)">
            ← Previous
          </button>
          <button type="button" onClick={onNext} disabled={!onNext} aria-label="Next image (→)">
            Next →
          </button>
        </div>
      ) : null}
      <div className="lightbox-body">
        {fileProblem ? (
          <p className="note note-warn lightbox-problem">
            <strong>File moved or deleted</strong>
            <br />
            <strong>{fileProblem === 'replaced' ? 'Replaced' : 'Missing'}</strong>:{' '}
            {fileProblem === 'replaced'
              ? 'the file at this path is no longer the one this generation made'
              : 'the file this generation made is no longer at this path'}
            {image.fileNote ? ` (${image.fileNote})` : ''}. Deleting removes the entry only; no file is
            touched.
          </p>
        ) : image.edit ? (
          <BeforeAfter
            beforeUrl={client.imageUrl(image.id, 'source')}
            afterUrl={client.imageUrl(image.id, 'full')}
            after={{ width: image.width, height: image.height }}
            mode={image.edit.mode}
            alt={image.prompt}
          />
        ) : failedToLoad ? (
          <p className="note note-warn lightbox-problem">
            <strong>File moved or deleted</strong>
            <br />
            The image cannot be loaded from <code>{image.path}</code> any more.
          </p>
        ) : (
          <img
            className="lightbox-image"
            src={client.imageUrl(image.id, 'full')}
            alt={image.prompt}
            onError={() => setFailedToLoad(true)}
          />
        )}
        <div>
          <dl className="facts">
            {facts.map(([term, value]) =>
              value ? (
                <div key={term} className="fact">
                  <dt>{term}</dt>
                  <dd>{term === 'Path' || term === 'Source' ? <code>{value}</code> : value}</dd>
                </div>
              ) : null,
            )}
          </dl>
          <div className="actions copies">
            <CopyButton text={image.path} label="Copy path" caption="Copy path" />
            <CopyButton text={image.prompt} label="Copy prompt" caption="Copy prompt" />
            <CopyButton text={String(image.seed)} label="Copy seed" caption="Copy seed" />
            {image.web ? null : (
              <CopyButton text={imgSnippet(image)} label="Copy <img> tag" caption="Copy <img>" />
            )}
          </div>
          {image.web ? <WebAssetPanel web={image.web} width={image.width} height={image.height} /> : null}
        </div>
      </div>
      {problem ? (
        <p role="alert" className="note note-error">
          <CodeText text={problem} />
        </p>
      ) : null}
      <p role="status" className="muted">
        {notice ?? ''}
      </p>
      <div className="actions">
        <button type="button" onClick={reveal}>
          Reveal in folder
        </button>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete…
        </button>
        <button type="button" onClick={onClose} data-autofocus>
          Close
        </button>
      </div>
      {confirming ? (
        <Dialog title="Delete this image?" onClose={() => setConfirming(false)}>
          {fileProblem ? (
            <p>
              The entry leaves the gallery; whatever is at <code>{image.path}</code> stays where it is.
            </p>
          ) : (
            <p>
              <code>{image.path}</code> moves to the trash and leaves the gallery. You can restore it from the
              trash.
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={() => setConfirming(false)} data-autofocus>
              Keep it
            </button>
            <button type="button" className="danger" onClick={remove} disabled={busy}>
              {busy ? 'Deleting…' : 'Delete'}
            </button>
          </div>
        </Dialog>
      ) : null}
    </Dialog>
  );
}
