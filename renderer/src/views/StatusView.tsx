import { deviceMemory, deviceTitle } from '../../../shared/devices.js';
import type { BackendView, StatusView as Status } from '../../../shared/dashboard-api.js';
import { clockTime, formatBytes, summarizeConnection } from '../state/status.js';
import { ChecklistLink } from './ChecklistLink.js';
import { ModelSetup } from './ModelSetup.js';

function Backend({ backend }: { backend: BackendView }) {
  return (
    <li className="card backend" data-reachable={backend.reachable}>
      <h3>
        <span className={`dot ${backend.reachable ? 'dot-ok' : 'dot-bad'}`} aria-hidden="true" />
        {backend.url}
      </h3>
      <p className="backend-state">
        {backend.reachable ? 'Reachable' : 'Not reachable'}
        {backend.version ? ` · ComfyUI ${backend.version}` : ''}
        <span className="muted"> · since {clockTime(backend.since)}</span>
      </p>
      {!backend.reachable && backend.problem ? <p className="note note-warn">{backend.problem}</p> : null}
      {backend.devices.length > 0 ? (
        <ul className="devices" aria-label={`Devices of ${backend.url}`}>
          {backend.devices.map((device) => (
            <li key={device.name}>
              {deviceTitle(device)} — {formatBytes(device.vramFree)} free of {formatBytes(device.vramTotal)}{' '}
              {deviceMemory(device.type)}
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        Queue: {backend.queueRemaining} waiting in ComfyUI, {backend.inFlight} sent by the bridge
      </p>
    </li>
  );
}

/** Why nothing answers and what to try, shown when no ComfyUI is reachable. */
export function NothingAnswersHint() {
  return (
    <div className="note note-warn" role="note">
      <strong>No ComfyUI answers.</strong>
      <ul>
        <li>Start ComfyUI (or ComfyUI Desktop) on this machine or the GPU box.</li>
        <li>
          Check the address under <a href="#/settings">Settings</a>: ComfyUI listens on port 8188 by default,
          ComfyUI Desktop on <strong>8000</strong>.
        </li>
        <li>
          For a ComfyUI on another machine, start it with <code>--listen</code> so it accepts connections from
          the network.
        </li>
      </ul>
    </div>
  );
}

export function StatusView({ status }: { status: Status }) {
  const summary = summarizeConnection(status);
  return (
    <section aria-labelledby="status-title">
      <h2 id="status-title">Connection</h2>
      <ChecklistLink />
      {summary === 'unreachable' || summary === 'none' ? <NothingAnswersHint /> : null}
      <ModelSetup />
      <ul className="cards" aria-label="ComfyUI servers">
        {status.backends.map((backend) => (
          <Backend key={backend.url} backend={backend} />
        ))}
      </ul>
      <h3>Bridge</h3>
      <dl className="facts">
        <dt>Version</dt>
        <dd>{status.version}</dd>
        <dt>MCP endpoint</dt>
        <dd>
          <code>{status.mcpUrl}</code>
        </dd>
        <dt>Output folder</dt>
        <dd>
          <code>{status.outputDir}</code>
        </dd>
        <dt>Data folder</dt>
        <dd>
          <code>{status.dataDir}</code>
        </dd>
        <dt>Queue</dt>
        <dd>
          {status.queue.running} running, {status.queue.pending} waiting
          {status.queue.paused ? ' — paused (resume it from the tray menu)' : ''}
        </dd>
      </dl>
    </section>
  );
}
