import { mkdir, realpath } from 'node:fs/promises';
import type { DashboardEvent, DownloadView, ModelSetupView } from '../../shared/dashboard-api.js';
import { deviceTitle } from '../../shared/devices.js';
import type { WorkflowCatalog } from '../bridge/catalog.js';
import { ComfyHttp } from '../comfy/http.js';
import { isLoopbackAddress } from '../http/guard.js';
import { FolderHandle } from '../images/folder-handle.js';
import type { BackendPool } from '../jobs/backend-pool.js';
import type { Logger } from '../log.js';
import type { LoadedWorkflowEntry, WorkflowLibrary } from '../workflows/library.js';
import type { ModelFile } from '../workflows/meta.js';
import { downloadFile } from './download-file.js';
import { isPlainFileName, readModelFolderPaths } from './folder-paths.js';
import type { FoundInstall } from './install-detect.js';
import { recommendModel } from './recommend.js';

/*
 * The dashboard's model set-up: what to offer when no bundled workflow runs on the first reachable ComfyUI, and
 * the one download at a time it runs on the user's click. Only a loopback ComfyUI gets files written into its
 * folders (they are on this machine); for another, the view lists links and target folders. The MCP side never
 * calls this: agents do not spend the user's disk.
 */

export interface ModelSetupOptions {
  pool: BackendPool;
  workflows: WorkflowLibrary;
  catalog: WorkflowCatalog;
  logger: Logger;
  publish(event: DashboardEvent): void;
  /** ComfyUI installations on this machine (install-detect.ts over the real file system). */
  findInstalls(): FoundInstall[];
  /** Minimum time between two progress events; default 100 ms. */
  progressIntervalMs?: number;
}

export interface ModelSetup {
  view(): Promise<ModelSetupView>;
  /** Starts (or returns the running) download of the workflow's missing files. */
  startDownload(workflowId: string): Promise<DownloadView>;
  /** Stops a running download (its partial file stays, to be continued). */
  close(): Promise<void>;
}

export class ModelSetupProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createModelSetup(options: ModelSetupOptions): ModelSetup {
  const logger = options.logger.child('models');
  const stopping = new AbortController();
  let current: DownloadView | undefined;
  let running: Promise<void> | undefined;

  const target = () => {
    const backend = options.pool.snapshot().find((entry) => entry.available);
    if (!backend) return undefined;
    return {
      backend,
      http: new ComfyHttp({ baseUrl: backend.url, timeoutMs: 10_000 }),
      local: isLoopbackAddress(new URL(backend.url).hostname),
    };
  };
  const candidates = () =>
    options.workflows
      .list()
      .filter((entry): entry is LoadedWorkflowEntry => entry.status === 'ok' && entry.source === 'bundled')
      .filter((entry) => entry.workflow.modes.includes('generate'));

  const publish = (view: DownloadView) => {
    current = view;
    options.publish({ type: 'download', download: view });
  };

  const run = async (
    chosen: NonNullable<ReturnType<typeof target>>,
    workflowId: string,
    files: readonly ModelFile[],
  ) => {
    const interval = options.progressIntervalMs ?? 100;
    let lastSent = 0;
    // At most one event per interval, and the latest one always follows: a transfer that stalls must not leave
    // the bar showing where it was a moment before.
    let trailing: NodeJS.Timeout | undefined;
    let latest: DownloadView | undefined;
    const sendLatest = () => {
      trailing = undefined;
      lastSent = Date.now();
      if (latest) publish(latest);
    };
    const folders = await readModelFolderPaths((path) => chosen.http.getJson(path));
    for (const [index, file] of files.entries()) {
      const base = { workflow: workflowId, file: file.file, fileIndex: index, fileCount: files.length };
      const directory = folders?.get(file.folder)?.[0];
      if (!directory)
        throw new Error(`ComfyUI names no folder for "${file.folder}" models; update ComfyUI and try again.`);
      if (!isPlainFileName(file.file)) throw new Error(`"${file.file}" is not a plain file name.`);
      publish({ ...base, state: 'running', received: 0, ...definedTotal(file.bytes) });
      // ComfyUI lists each folder type even before its folder exists on disk.
      await mkdir(directory, { recursive: true });
      const folder = await FolderHandle.open(await realpath(directory), [], { create: false });
      try {
        await downloadFile({
          folder,
          name: file.file,
          url: file.url!,
          expected: { ...definedTotal(file.bytes, 'bytes'), ...(file.sha256 ? { sha256: file.sha256 } : {}) },
          signal: stopping.signal,
          onProgress: (received, total) => {
            latest = { ...base, state: 'running', received, ...definedTotal(total ?? file.bytes) };
            const wait = interval - (Date.now() - lastSent);
            if (wait <= 0) sendLatest();
            else trailing ??= setTimeout(sendLatest, wait);
          },
        });
      } finally {
        clearTimeout(trailing);
        trailing = undefined;
        await folder.close();
      }
      logger.info('model file downloaded', { file: file.file, folder: directory });
    }
    // The bridge keeps ComfyUI's model lists (in /object_info); read them now so the new files count at once.
    await options.pool.refreshObjectInfo(0, [chosen.backend.id]);
    const last = files.at(-1)!;
    publish({
      workflow: workflowId,
      state: 'done',
      file: last.file,
      fileIndex: files.length - 1,
      fileCount: files.length,
      received: current?.received ?? 0,
      ...definedTotal(current?.total),
    });
    options.publish({ type: 'workflows' });
  };

  return {
    async view() {
      const chosen = target();
      if (!chosen) return { local: false, runnable: false, installs: options.findInstalls() };
      const { backend, http, local } = chosen;
      await options.pool.refreshObjectInfo(1_000, [backend.id]);
      const objectInfo = options.pool.objectInfo(backend.id);
      const runnable =
        objectInfo !== undefined &&
        candidates().some(
          (entry) =>
            entry.workflow.meta.defaultRank !== undefined &&
            options.catalog.check(entry.id, objectInfo, options.pool.version(backend.id)).runnable,
        );
      const base = {
        backend: backend.url,
        local,
        runnable,
        installs: [],
        ...(current ? { download: current } : {}),
      };
      if (runnable) return base;
      const device = backend.stats?.devices[0];
      const pick = recommendModel(
        candidates().map((entry) => ({ id: entry.id, meta: entry.workflow.meta })),
        device,
      );
      const entry = pick && candidates().find((candidate) => candidate.id === pick.id);
      if (!pick || !entry) return base;
      const folders = await readModelFolderPaths((path) => http.getJson(path));
      const files = await Promise.all(
        entry.workflow.meta.models.map(async (model) => {
          const listed = await http
            .getJson(`/models/${encodeURIComponent(model.folder)}`)
            .catch(() => [] as unknown);
          const target = folders?.get(model.folder)?.[0];
          return {
            file: model.file,
            folder: model.folder,
            url: model.url!,
            present: Array.isArray(listed) && listed.includes(model.file),
            ...(target ? { target } : {}),
            ...definedTotal(model.bytes, 'bytes'),
            ...(model.approxGb ? { approxGb: model.approxGb } : {}),
          };
        }),
      );
      const meta = entry.workflow.meta;
      return {
        ...base,
        offer: {
          workflow: entry.id,
          title: meta.title,
          ...(meta.license ? { license: meta.license } : {}),
          minVramGb: meta.offer!.minVramGb,
          fits: pick.fits,
          ...(device ? { device: deviceTitle(device) } : {}),
          files,
        },
      };
    },

    async startDownload(workflowId) {
      if (running && current?.state === 'running') return current;
      const chosen = target();
      if (!chosen)
        throw new ModelSetupProblem(409, 'comfyui_unreachable', 'No ComfyUI answers; start it first.');
      if (!chosen.local)
        throw new ModelSetupProblem(
          409,
          'comfyui_remote',
          `${chosen.backend.url} is another machine: the bridge downloads only into a ComfyUI on this one. Download the listed files into the listed folders there.`,
        );
      const entry = candidates().find((candidate) => candidate.id === workflowId);
      if (!entry?.workflow.meta.offer)
        throw new ModelSetupProblem(404, 'unknown_model', `No bundled model "${workflowId}" to download.`);
      const listedIn = async (model: ModelFile) => {
        const listed = await chosen.http.getJson(`/models/${encodeURIComponent(model.folder)}`);
        return Array.isArray(listed) && listed.includes(model.file);
      };
      const missing: ModelFile[] = [];
      for (const model of entry.workflow.meta.models) if (!(await listedIn(model))) missing.push(model);
      if (missing.length === 0) {
        await options.pool.refreshObjectInfo(0, [chosen.backend.id]);
        const last = entry.workflow.meta.models.at(-1);
        const done: DownloadView = {
          workflow: workflowId,
          state: 'done',
          file: last?.file ?? '',
          fileIndex: 0,
          fileCount: 0,
          received: 0,
        };
        publish(done);
        options.publish({ type: 'workflows' });
        return done;
      }
      publish({
        workflow: workflowId,
        state: 'running',
        file: missing[0]!.file,
        fileIndex: 0,
        fileCount: missing.length,
        received: 0,
      });
      const started = current!;
      running = run(chosen, workflowId, missing)
        .catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          logger.warn('model download failed', { workflow: workflowId, error: message });
          publish({ ...(current ?? started), state: 'failed', error: message });
        })
        .finally(() => (running = undefined));
      return started;
    },

    async close() {
      stopping.abort(new Error('the bridge is stopping'));
      await running;
    },
  };
}

function definedTotal(value: number | undefined): { total?: number };
function definedTotal(value: number | undefined, key: 'bytes'): { bytes?: number };
function definedTotal(value: number | undefined, key: 'total' | 'bytes' = 'total') {
  return value === undefined ? {} : { [key]: value };
}
