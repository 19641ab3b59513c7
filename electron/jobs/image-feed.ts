/**
 * An image's bytes as they download, for one consumer that writes them on meanwhile (bridge/pipeline.ts streams
 * a PNG into its temp file while the rest is still on its way): each chunk of the current attempt in order, and
 * a retried download's new start (it begins again from its first byte). The chunks are the ones the download
 * itself keeps to hand over whole, so following them costs no copy.
 */
export type FeedEvent = { kind: 'restart' } | { kind: 'bytes'; chunks: Buffer[] };

export class ImageFeed {
  private chunks: Buffer[] = [];
  private attempt = 0;
  private ended = false;
  private wake: (() => void) | undefined;

  chunk(bytes: Buffer): void {
    this.chunks.push(bytes);
    this.notify();
  }

  /** A new attempt starts: what came before is not part of the image. */
  restart(): void {
    this.chunks = [];
    this.attempt++;
    this.notify();
  }

  /** The download has settled, with the image or without it: nothing more comes. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** What arrives, as it arrives, until the download settles; one consumer. */
  async *events(): AsyncGenerator<FeedEvent> {
    let attempt = this.attempt;
    let seen = 0;
    for (;;) {
      if (attempt !== this.attempt) {
        attempt = this.attempt;
        seen = 0;
        yield { kind: 'restart' };
      } else if (seen < this.chunks.length) {
        const fresh = this.chunks.slice(seen);
        seen = this.chunks.length;
        yield { kind: 'bytes', chunks: fresh };
      } else if (this.ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
