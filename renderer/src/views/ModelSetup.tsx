import { useState } from 'react';
import type { DownloadView, ModelSetupView } from '../../../shared/dashboard-api.js';
import { ApiError } from '../api/errors.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { useLive, useLiveEvents, useResource } from '../state/live.js';
import { formatBytes, modelFileSize } from '../state/status.js';

/*
 * The first-run help on the Status view: the model to download when no bundled workflow runs (a button for a
 * ComfyUI on this machine, links and folders for another), or where ComfyUI is installed when none answers.
 */

type Offer = NonNullable<ModelSetupView['offer']>;

function DownloadProgress({ download }: { download: DownloadView }) {
  const fraction = download.total ? download.received / download.total : 0;
  const label = `Downloading ${download.file} (${download.fileIndex + 1} of ${download.fileCount})`;
  if (download.state === 'failed')
    return (
      <p className="note note-warn" role="alert">
        The download stopped: {download.error}
      </p>
    );
  if (download.state === 'done')
    return (
      <p className="note" role="status">
        Downloaded. ComfyUI lists the model now; the bridge uses it.
      </p>
    );
  return (
    <div role="status">
      <p>
        {label}: {formatBytes(download.received)}
        {download.total ? ` of ${formatBytes(download.total)}` : ''}
      </p>
      <ProgressBar fraction={fraction} label={label} />
    </div>
  );
}

function OfferCard({ view, offer }: { view: ModelSetupView; offer: Offer }) {
  const { client } = useLive();
  const [problem, setProblem] = useState<string>();
  const missing = offer.files.filter((file) => !file.present);
  const running = view.download?.state === 'running' && view.download.workflow === offer.workflow;
  const start = () => {
    setProblem(undefined);
    client
      .downloadModel(offer.workflow)
      .catch((error: unknown) => setProblem(error instanceof ApiError ? error.message : String(error)));
  };
  return (
    <div className="card model-offer" aria-label="Model to download">
      <h3>No bundled model runs on this ComfyUI yet</h3>
      <p>
        Recommended{offer.device ? ` for ${offer.device}` : ''}: <strong>{offer.title}</strong>
        {offer.fits
          ? ` (needs about ${offer.minVramGb} GB of VRAM).`
          : ` — the smallest bundled model; it needs about ${offer.minVramGb} GB of VRAM and runs slowly without it.`}
        {offer.license ? (
          <>
            {' '}
            Licence: <a href={offer.license.url}>{offer.license.name}</a>.
          </>
        ) : null}
      </p>
      <ul>
        {missing.map((file) => (
          <li key={file.file}>
            <a href={file.url}>{file.file}</a> ({modelFileSize(file)}) →{' '}
            <code>{file.target ?? `models/${file.folder}`}</code>
          </li>
        ))}
      </ul>
      {view.local ? (
        <button type="button" onClick={start} disabled={running}>
          Download model
        </button>
      ) : (
        <p className="note">
          This ComfyUI runs on another machine ({view.backend}): download each file there, into the folder
          shown; ComfyUI lists it without a restart.
        </p>
      )}
      {problem ? (
        <p className="note note-warn" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

export function ModelSetup() {
  const setup = useResource((api) => api.models());
  useLiveEvents((event) => {
    if (event.type === 'download') {
      setup.set((view) => ({ ...view, download: event.download }));
      if (event.download.state === 'done') setup.reload();
    }
  });
  if (setup.loaded.state !== 'ready') return null;
  const view = setup.loaded.value;
  if (view.installs.length > 0)
    return (
      <div className="card" aria-label="ComfyUI on this machine">
        <h3>ComfyUI is installed here but does not answer</h3>
        <ul>
          {view.installs.map((install) => (
            <li key={install.path}>
              <code>{install.path}</code> ({install.kind}): {install.start}
            </li>
          ))}
        </ul>
      </div>
    );
  return (
    <>
      {view.offer ? <OfferCard view={view} offer={view.offer} /> : null}
      {view.download ? <DownloadProgress download={view.download} /> : null}
    </>
  );
}
