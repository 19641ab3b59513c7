import { useState } from 'react';
import type { GalleryItem } from '../../../shared/dashboard-api.js';
import { adviceFor } from '../api/errors.js';
import { CodeText } from '../components/CodeText.js';
import { Dialog } from '../components/Dialog.js';
import { useLive } from '../state/live.js';
import { editModeLabel, fileName, fileProblemLabel, formatTime } from '../state/gallery.js';
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
 */
export function Lightbox({
  image,
  onClose,
  onDeleted,
}: {
  image: LightboxImage;
  onClose: () => void;
  /** `message` says what happened to the file (trashed, or left alone because it was replaced or missing). */
  onDeleted: (id: string, message: string) => void;
}) {
  const { client } = useLive();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [notice, setNotice] = useState<string>();

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
    <Dialog title={fileName(image.path)} onClose={onClose} className="lightbox">
      <div className="lightbox-body">
        {fileProblem ? (
          <p className="note note-warn lightbox-problem">
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
        ) : (
          <img className="lightbox-image" src={client.imageUrl(image.id, 'full')} alt={image.prompt} />
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
