/** jobs/image-feed.ts: a download's bytes as they arrive, to one consumer, with a retried attempt's new start. */
import { describe, expect, it } from 'vitest';
import { ImageFeed, type FeedEvent } from '../../electron/jobs/image-feed.js';

async function collect(feed: ImageFeed): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of feed.events()) seen.push(describe_(event));
  return seen;
}

const describe_ = (event: FeedEvent) =>
  event.kind === 'restart' ? 'restart' : event.chunks.map((chunk) => chunk.toString()).join('+');

describe('ImageFeed', () => {
  it('hands over what arrived before the consumer came, then each chunk as it comes, until the end', async () => {
    const feed = new ImageFeed();
    feed.chunk(Buffer.from('a'));
    feed.chunk(Buffer.from('b'));
    const seen = collect(feed);
    await new Promise((resolve) => setImmediate(resolve));
    feed.chunk(Buffer.from('c'));
    await new Promise((resolve) => setImmediate(resolve));
    feed.chunk(Buffer.from('d'));
    feed.end();
    expect(await seen).toEqual(['a+b', 'c', 'd']);
  });

  it('tells a consumer that saw an attempt’s bytes of the next attempt’s start', async () => {
    const feed = new ImageFeed();
    const seen = collect(feed);
    feed.chunk(Buffer.from('broken'));
    await new Promise((resolve) => setImmediate(resolve));
    feed.restart();
    feed.chunk(Buffer.from('whole'));
    feed.end();
    expect(await seen).toEqual(['broken', 'restart', 'whole']);
  });

  it('gives a consumer that comes after a restart only the current attempt', async () => {
    const feed = new ImageFeed();
    feed.chunk(Buffer.from('broken'));
    feed.restart();
    feed.chunk(Buffer.from('whole'));
    feed.end();
    expect(await collect(feed)).toEqual(['whole']);
  });
});
