import type { BatchView, DashboardEvent, ItemView } from '../../../shared/dashboard-api.js';

/** How many batches the view keeps; older finished ones drop off the end. */
export const maxBatchesShown = 50;

/** Newest first. */
export function sortBatches(batches: readonly BatchView[]): BatchView[] {
  return [...batches].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, maxBatchesShown);
}

/** The batch list after one live event: a batch snapshot replaces its old self; progress moves one item's bar. */
export function applyBatchEvent(batches: readonly BatchView[], event: DashboardEvent): BatchView[] {
  switch (event.type) {
    case 'batch': {
      const others = batches.filter((batch) => batch.id !== event.batch.id);
      return sortBatches([event.batch, ...others]);
    }
    case 'progress':
      return batches.map((batch) =>
        batch.id !== event.batchId
          ? batch
          : {
              ...batch,
              items: batch.items.map((item) =>
                item.jobId === event.jobId && (item.state === 'running' || item.state === 'pending')
                  ? { ...item, state: 'running', progress: { value: event.value, max: event.max } }
                  : item,
              ),
            },
      );
    default:
      return [...batches];
  }
}

/** 0…1 for one item's bar: finished items are full, running ones follow their sampler steps. */
export function itemFraction(item: ItemView): number {
  if (item.state === 'completed') return 1;
  if (item.state !== 'running' || !item.progress || item.progress.max <= 0) return 0;
  return Math.min(1, Math.max(0, item.progress.value / item.progress.max));
}

/** 0…1 for the whole batch, counting running items by their steps. */
export function batchFraction(batch: BatchView): number {
  if (batch.items.length === 0) return batch.done ? 1 : 0;
  const finished = batch.items.filter((item) => item.state === 'failed' || item.state === 'cancelled').length;
  const sum = batch.items.reduce((total, item) => total + itemFraction(item), finished);
  return sum / batch.items.length;
}

export const stateLabels: Record<ItemView['state'], string> = {
  pending: 'Waiting',
  running: 'Running',
  completed: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** "12 of 20 done, 1 failed" — the batch's line of text. */
export function batchSummary(batch: BatchView): string {
  const { total, completed, failed, cancelled, running, pending } = batch.counts;
  const parts = [`${completed} of ${total} done`];
  if (running > 0) parts.push(`${running} running`);
  if (pending > 0) parts.push(`${pending} waiting`);
  if (failed > 0) parts.push(`${failed} failed`);
  if (cancelled > 0) parts.push(`${cancelled} cancelled`);
  return parts.join(', ');
}

/**
 * What the Batches view shows as cards, newest first: each batch of its own, and every single-image call
 * (generate_image, edit_image) together in one "Recent" card placed where its newest member is, so a session of
 * fifty single calls is one card, not fifty. Finished batches the user cleared are left out.
 */
export type BatchCard = { kind: 'batch'; batch: BatchView } | { kind: 'recent'; batches: BatchView[] };

export function batchCards(batches: readonly BatchView[], cleared: ReadonlySet<string>): BatchCard[] {
  const shown = batches.filter((batch) => !(batch.done && cleared.has(batch.id)));
  const singles = shown.filter((batch) => batch.priority === 'interactive');
  const cards: BatchCard[] = [];
  for (const batch of shown) {
    if (batch.priority !== 'interactive') cards.push({ kind: 'batch', batch });
    else if (batch === singles[0]) cards.push({ kind: 'recent', batches: singles });
  }
  return cards;
}

/** The ids "Clear finished" hides: every finished batch shown, and the single calls that finished. */
export function finishedIds(batches: readonly BatchView[]): string[] {
  return batches.filter((batch) => batch.done).map((batch) => batch.id);
}

/** Where an item's file is, as the view names it: `hero.png` and the folder it is in. */
export function fileAndFolder(path: string): { file: string; folder: string } {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0
    ? { file: path, folder: '' }
    : { file: path.slice(cut + 1), folder: path.slice(0, cut) || '/' };
}

const clearedKey = 'comfyui-mcp-bridge.cleared-batches';
/** Enough for every batch the view keeps; older ids fall off. */
const maxCleared = 500;

/** The cleared batch ids kept in this browser's storage (the dashboard's own origin); none if unreadable. */
export function loadCleared(storage: Pick<Storage, 'getItem'>): Set<string> {
  try {
    const stored: unknown = JSON.parse(storage.getItem(clearedKey) ?? '[]');
    return new Set(Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string') : []);
  } catch {
    return new Set();
  }
}

export function saveCleared(storage: Pick<Storage, 'setItem'>, cleared: ReadonlySet<string>): void {
  storage.setItem(clearedKey, JSON.stringify([...cleared].slice(-maxCleared)));
}
