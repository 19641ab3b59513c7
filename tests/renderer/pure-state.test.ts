import { describe, expect, it } from 'vitest';
import type { GalleryItem } from '../../shared/dashboard-api.js';
import { reconnectDelay } from '../../renderer/src/api/backoff.js';
import { ApiError, adviceFor } from '../../renderer/src/api/errors.js';
import {
  applyBatchEvent,
  batchFraction,
  batchSummary,
  itemFraction,
  maxBatchesShown,
} from '../../renderer/src/state/batches.js';
import {
  comparisonLayout,
  dividerAfterKey,
  fileName,
  gridColumns,
  mergePage,
  prependNew,
  rowItems,
} from '../../renderer/src/state/gallery.js';
import { stepFrom } from '../../renderer/src/state/gallery-order.js';
import { clockTime, formatBytes, summarizeConnection } from '../../renderer/src/state/status.js';
import { batchView, galleryItem, itemView, statusView } from './fixtures.js';

describe('batch events', () => {
  const running = batchView('b1', [itemView(0, { state: 'running' }), itemView(1)]);

  it('moves one item’s bar on progress and leaves the others alone', () => {
    const [batch] = applyBatchEvent([running], {
      type: 'progress',
      batchId: 'b1',
      jobId: 'job-0',
      value: 5,
      max: 20,
    });
    expect(batch?.items[0]?.progress).toEqual({ value: 5, max: 20 });
    expect(itemFraction(batch!.items[0]!)).toBe(0.25);
    expect(batch?.items[1]?.progress).toBeUndefined();
  });

  it('does not move a finished item back to running on a late progress event', () => {
    const done = batchView('b1', [itemView(0, { state: 'completed' })]);
    const [batch] = applyBatchEvent([done], {
      type: 'progress',
      batchId: 'b1',
      jobId: 'job-0',
      value: 1,
      max: 20,
    });
    expect(batch?.items[0]?.state).toBe('completed');
    expect(itemFraction(batch!.items[0]!)).toBe(1);
  });

  it('replaces a batch with its new snapshot and keeps the list newest first, bounded', () => {
    const old = batchView('old', [itemView(0)], { createdAt: '2026-01-01T00:00:00.000Z' });
    const snapshot = batchView('b1', [
      itemView(0, { state: 'completed' }),
      itemView(1, { state: 'completed' }),
    ]);
    const next = applyBatchEvent([old, running], { type: 'batch', batch: snapshot });
    expect(next.map((batch) => batch.id)).toEqual(['b1', 'old']);
    expect(next[0]?.done).toBe(true);

    const many = Array.from({ length: maxBatchesShown + 5 }, (_, index) =>
      batchView(`b${index}`, [], { createdAt: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString() }),
    );
    const bounded = applyBatchEvent(many, { type: 'batch', batch: batchView('newest', []) });
    expect(bounded).toHaveLength(maxBatchesShown);
    expect(bounded[0]?.id).toBe('newest');
  });

  it('counts a batch’s progress by finished items plus running steps', () => {
    const batch = batchView('b', [
      itemView(0, { state: 'completed' }),
      itemView(1, { state: 'failed' }),
      itemView(2, { state: 'running', progress: { value: 10, max: 20 } }),
      itemView(3),
    ]);
    expect(batchFraction(batch)).toBeCloseTo(2.5 / 4);
    expect(batchSummary(batch)).toBe('1 of 4 done, 1 running, 1 waiting, 1 failed');
  });
});

describe('gallery grid', () => {
  it('fits as many tiles as the width allows, at least one', () => {
    expect(gridColumns(0)).toBe(1);
    expect(gridColumns(168)).toBe(1);
    expect(gridColumns(168 * 2 + 12)).toBe(2);
    expect(gridColumns(1000)).toBe(5);
  });

  it('slices rows and merges pages without showing an item twice', () => {
    const items = [0, 1, 2, 3, 4].map((index) => galleryItem(index));
    expect(rowItems(items, 1, 2).map((item) => item.id)).toEqual(['img-2', 'img-3']);
    expect(rowItems(items, 2, 2).map((item) => item.id)).toEqual(['img-4']);
    const merged = mergePage(items.slice(0, 3), items.slice(2));
    expect(merged.map((item) => item.id)).toEqual(['img-0', 'img-1', 'img-2', 'img-3', 'img-4']);
    const withNew = prependNew(items.slice(1), [galleryItem(9), items[1]!]);
    expect(withNew.map((item) => item.id)).toEqual(['img-9', 'img-1', 'img-2', 'img-3', 'img-4']);
  });

  it('names the file of a POSIX or Windows path', () => {
    expect(fileName('/a/b/hero.png')).toBe('hero.png');
    expect(fileName('C:\\site\\public\\hero.webp')).toBe('hero.webp');
  });
});

describe('status and errors', () => {
  it('summarises the backends', () => {
    const up = statusView();
    const down = { ...up.backends[0]!, url: 'http://10.0.0.2:8188', reachable: false };
    expect(summarizeConnection(up)).toBe('connected');
    expect(summarizeConnection({ ...up, backends: [...up.backends, down] })).toBe('partial');
    expect(summarizeConnection({ ...up, backends: [down] })).toBe('unreachable');
    expect(summarizeConnection({ ...up, backends: [] })).toBe('none');
  });

  it('shows a time of day as local hh:mm:ss, and an unreadable one as it came', () => {
    const local = new Date(2026, 10, 24, 9, 5, 7).toISOString();
    expect(clockTime(local)).toBe('09:05:07');
    expect(clockTime('not a time')).toBe('not a time');
  });

  it('formats sizes as people read them', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(24 * 1024 ** 3)).toBe('24.0 GB');
  });

  it('backs off reconnects up to a ceiling', () => {
    expect([0, 1, 2, 3, 10].map((attempt) => reconnectDelay(attempt))).toEqual([
      500, 1000, 2000, 4000, 10_000,
    ]);
  });

  it('turns a missing or wrong token into how to open the dashboard properly', () => {
    expect(adviceFor(new ApiError('unauthorized', 'nope', 401))).toMatch(/tray menu.*Dashboard:/);
    expect(adviceFor(new ApiError('network', 'Failed to fetch'))).toMatch(/still running/);
    expect(adviceFor(new ApiError('model_missing', 'Install the model.'))).toBe('Install the model.');
  });
});

describe('before/after comparison', () => {
  it('uses the slider only for the same size, side by side otherwise or before the source is measured', () => {
    expect(comparisonLayout({ width: 40, height: 30 }, { width: 40, height: 30 })).toBe('slider');
    expect(comparisonLayout({ width: 40, height: 30 }, { width: 80, height: 60 })).toBe('side-by-side');
    expect(comparisonLayout({ width: 40, height: 30 }, { width: 40, height: 94 })).toBe('side-by-side');
    expect(comparisonLayout(undefined, { width: 40, height: 30 })).toBe('side-by-side');
  });

  it('moves the divider by key, within 0 to 100, and ignores other keys', () => {
    expect(dividerAfterKey('ArrowRight', 50)).toBe(52);
    expect(dividerAfterKey('ArrowUp', 50)).toBe(52);
    expect(dividerAfterKey('ArrowLeft', 50, true)).toBe(40);
    expect(dividerAfterKey('PageUp', 95)).toBe(100);
    expect(dividerAfterKey('ArrowLeft', 1)).toBe(0);
    expect(dividerAfterKey('Home', 70)).toBe(0);
    expect(dividerAfterKey('End', 3)).toBe(100);
    expect(dividerAfterKey('a', 50)).toBeUndefined();
    expect(dividerAfterKey('Tab', 50)).toBeUndefined();
  });
});

describe('lightbox steps through the gallery', () => {
  const items = [0, 1, 2].map((index) => galleryItem(index));
  const [first, middle, last] = items as [GalleryItem, GalleryItem, GalleryItem];

  it('steps to the loaded neighbours', () => {
    expect(stepFrom(items, middle.id, 1, true)).toEqual({ kind: 'item', item: last });
    expect(stepFrom(items, middle.id, -1, true)).toEqual({ kind: 'item', item: first });
  });

  it('asks for the next page on → from the last loaded item, only while more exist', () => {
    expect(stepFrom(items, last.id, 1, true)).toEqual({ kind: 'load-more' });
    expect(stepFrom(items, last.id, 1, false)).toBeUndefined();
    expect(stepFrom(items, first.id, -1, true)).toBeUndefined();
    // An item no longer among the loaded ones (deleted, filtered out) has no neighbours and loads nothing.
    expect(stepFrom(items, 'gone', 1, true)).toBeUndefined();
    expect(stepFrom([], 'gone', 1, true)).toBeUndefined();
  });
});
