import { watch as watchFolder, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { parseWorkflowMeta } from './meta.js';
import { parseWorkflow } from './parse.js';
import { describeWorkflow, type Workflow } from './workflow.js';

export type WorkflowSource = 'bundled' | 'user';

interface EntryBase {
  id: string;
  source: WorkflowSource;
  /** Absolute path of the graph file. */
  file: string;
  /** Set on a user workflow that replaces the bundled one with the same id: the bundled file's path. */
  overridesBundled?: string;
}

export type WorkflowEntry =
  (EntryBase & { status: 'ok'; workflow: Workflow }) | (EntryBase & { status: 'error'; error: string });

export type LoadedWorkflowEntry = Extract<WorkflowEntry, { status: 'ok' }>;

export interface WorkflowLibrary {
  /** Every workflow file found, broken ones included, sorted by id. */
  list(): WorkflowEntry[];
  get(id: string): WorkflowEntry | undefined;
  /** Called with the new list after the user folder changed; returns a function that unsubscribes. */
  on(event: 'change', listener: (entries: WorkflowEntry[]) => void): () => void;
  /** Re-reads both folders now. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export interface WorkflowLibraryOptions {
  bundledDir: string;
  userDir: string;
  logger: Logger;
  /** Watch the user folder for changes (default false). */
  watch?: boolean;
  /** Quiet time before a burst of file events is acted on (default 150 ms); editors save in several steps. */
  debounceMs?: number;
}

/** Far above any real workflow (a large graph is ~100 KB); keeps a stray big file from being read. */
const MAX_FILE_BYTES = 5 * 1024 * 1024;
const META_SUFFIX = '.meta.json';

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readJson(path: string, name: string): Promise<unknown> {
  const info = await stat(path);
  if (info.size > MAX_FILE_BYTES) {
    throw new Error(`${name} is ${info.size} bytes; workflow files are limited to ${MAX_FILE_BYTES} bytes`);
  }
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${name} is not valid JSON (${describeError(error)}); fix or re-export the file`);
  }
}

async function loadEntry(dir: string, fileName: string, source: WorkflowSource, siblings: Set<string>) {
  const id = fileName.slice(0, -'.json'.length);
  const file = join(dir, fileName);
  const base = { id, source, file };
  try {
    const graph = parseWorkflow(await readJson(file, fileName), fileName);
    const metaName = `${id}${META_SUFFIX}`;
    const meta = siblings.has(metaName)
      ? parseWorkflowMeta(await readJson(join(dir, metaName), metaName), metaName)
      : undefined;
    return { ...base, status: 'ok', workflow: describeWorkflow(id, graph, meta) } satisfies WorkflowEntry;
  } catch (error) {
    return { ...base, status: 'error', error: describeError(error) } satisfies WorkflowEntry;
  }
}

async function loadFolder(dir: string, source: WorkflowSource, logger: Logger): Promise<WorkflowEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    // A user folder that does not exist yet simply has no workflows.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      logger.warn('workflow folder unreadable', { dir, error: describeError(error) });
    }
    return [];
  }
  const siblings = new Set(names);
  const graphs = names.filter((name) => name.endsWith('.json') && !name.endsWith(META_SUFFIX)).sort();
  return Promise.all(graphs.map((name) => loadEntry(dir, name, source, siblings)));
}

/** Bundled entries, with user entries replacing those of the same id. */
function merge(bundled: WorkflowEntry[], user: WorkflowEntry[]): Map<string, WorkflowEntry> {
  const entries = new Map(bundled.map((entry) => [entry.id, entry]));
  for (const entry of user) {
    const replaced = entries.get(entry.id);
    entries.set(entry.id, replaced ? { ...entry, overridesBundled: replaced.file } : entry);
  }
  return new Map([...entries].sort(([a], [b]) => a.localeCompare(b)));
}

function sameEntries(a: Map<string, WorkflowEntry>, b: Map<string, WorkflowEntry>): boolean {
  return JSON.stringify([...a.values()]) === JSON.stringify([...b.values()]);
}

/**
 * Loads the bundled and user workflow folders. Every `*.json` except `*.meta.json` is a workflow whose id is
 * its file name; a user file overrides the bundled one with the same id. Bad files become error entries, never
 * exceptions. With `watch`, the user folder (created if missing) is watched so edits show up without a restart.
 */
export async function createWorkflowLibrary(options: WorkflowLibraryOptions): Promise<WorkflowLibrary> {
  const { logger } = options;
  const listeners = new Set<(entries: WorkflowEntry[]) => void>();
  let entries = new Map<string, WorkflowEntry>();
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // Reloads run one after another so an older read never overwrites a newer one.
  let pending: Promise<void> = Promise.resolve();

  const load = async () => {
    const [bundled, user] = await Promise.all([
      loadFolder(options.bundledDir, 'bundled', logger),
      loadFolder(options.userDir, 'user', logger),
    ]);
    const next = merge(bundled, user);
    const changed = !sameEntries(entries, next);
    for (const entry of next.values()) {
      const before = entries.get(entry.id);
      // Each watch event re-reads everything; report a broken file once, not on every reload.
      const reported = before?.status === 'error' && entry.status === 'error' && before.error === entry.error;
      if (entry.status === 'error' && !reported) {
        logger.warn('workflow not usable', { file: entry.file, error: entry.error });
      }
    }
    entries = next;
    if (!changed || closed) return;
    const list = [...next.values()];
    for (const listener of listeners) {
      try {
        listener(list);
      } catch (error) {
        logger.error('workflow change listener failed', { error: describeError(error) });
      }
    }
  };
  const reload = () => {
    pending = pending.then(() =>
      load().catch((error: unknown) =>
        logger.error('reloading workflows failed', { error: describeError(error) }),
      ),
    );
    return pending;
  };

  if (options.watch) {
    await mkdir(options.userDir, { recursive: true });
  }
  await load();
  if (options.watch) {
    watcher = watchFolder(options.userDir, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), options.debounceMs ?? 150);
    });
    watcher.on('error', (error) =>
      logger.warn('watching the user workflow folder failed', { error: error.message }),
    );
  }
  logger.info('workflows loaded', { count: entries.size, userDir: options.userDir });

  return {
    list: () => [...entries.values()],
    get: (id) => entries.get(id),
    on: (_event, listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload,
    close: async () => {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      await pending;
    },
  };
}
