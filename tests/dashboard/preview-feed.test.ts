import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPreviewFeed } from '../../electron/dashboard/preview-feed.js';
import { dashboardEventSchema, type DashboardEvent } from '../../shared/dashboard-api.js';

type PreviewEvent = Extract<DashboardEvent, { type: 'preview' }>;

/** A frame whose bytes say which one it is (the feed never decodes them). */
const frame = (jobId: string, n: number, mime = 'image/jpeg') => ({
  batchId: 'b1',
  jobId,
  mime,
  bytes: Buffer.from(`${jobId} frame ${n}`),
});
const frameOf = (event: PreviewEvent) =>
  Buffer.from(event.image.slice(event.image.indexOf(',') + 1), 'base64').toString();

describe('preview feed', () => {
  // The clock and the timers are the same fake time: Date.now moves only with advanceTimersByTime.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function feed() {
    const sent: { at: number; event: PreviewEvent }[] = [];
    const previews = createPreviewFeed({
      publish: (event) => sent.push({ at: Date.now(), event }),
      now: () => Date.now(),
    });
    return { previews, sent };
  }

  it('sends the first frame at once, then only the latest of a burst at the end of the 250 ms window', () => {
    const { previews, sent } = feed();
    previews.frame(frame('j1', 1));
    expect(sent.map(({ event }) => frameOf(event))).toEqual(['j1 frame 1']);
    for (let n = 2; n <= 5; n++) {
      vi.advanceTimersByTime(40);
      previews.frame(frame('j1', n));
    }
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(249 - 160);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent.map(({ event }) => frameOf(event))).toEqual(['j1 frame 1', 'j1 frame 5']);
    vi.advanceTimersByTime(5_000);
    expect(sent).toHaveLength(2);
    for (const { event } of sent) {
      expect(dashboardEventSchema.parse(event)).toEqual(event);
      expect(event).toMatchObject({ type: 'preview', batchId: 'b1', jobId: 'j1' });
      expect(event.image).toMatch(/^data:image\/jpeg;base64,/);
    }
  });

  it('sends at most one frame per 250 ms per job under a steady stream, each job at its own pace', () => {
    const { previews, sent } = feed();
    let n = 0;
    for (let ms = 0; ms < 2_000; ms += 10) {
      n += 1;
      previews.frame(frame('j1', n));
      if (ms % 30 === 0) previews.frame(frame('j2', n));
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(1_000);
    for (const jobId of ['j1', 'j2']) {
      const times = sent.filter(({ event }) => event.jobId === jobId).map(({ at }) => at);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(250);
      expect(times.length).toBeGreaterThanOrEqual(7);
      expect(times.length).toBeLessThanOrEqual(9);
    }
    // The stream's last frame is the last one shown: folding never loses the newest.
    const last = (jobId: string) => sent.filter(({ event }) => event.jobId === jobId).at(-1)!.event;
    expect(frameOf(last('j1'))).toBe('j1 frame 200');
    expect(frameOf(last('j2'))).toBe('j2 frame 199');
  });

  it('drops the frame waiting for its window when the job stops running', () => {
    const { previews, sent } = feed();
    previews.frame(frame('j1', 1));
    previews.frame(frame('j1', 2));
    previews.jobLeft('j1');
    vi.advanceTimersByTime(1_000);
    expect(sent.map(({ event }) => frameOf(event))).toEqual(['j1 frame 1']);
  });

  it('sends PNG as well as JPEG, and nothing of another type; nothing after close', () => {
    const { previews, sent } = feed();
    previews.frame(frame('j1', 1, 'image/webp'));
    previews.frame(frame('j2', 1, 'image/png'));
    expect(sent.map(({ event }) => event.image.slice(0, 22))).toEqual(['data:image/png;base64,']);
    previews.frame(frame('j2', 2, 'image/png'));
    previews.close();
    vi.advanceTimersByTime(1_000);
    previews.frame(frame('j3', 1));
    expect(sent).toHaveLength(1);
  });
});
