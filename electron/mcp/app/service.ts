/** What the result view's app-only tools need from the core (implemented by bridge/result-app.ts). */
export interface ResultAppService {
  /**
   * A WebP thumbnail (at most 256 px a side) of a finished item of a batch this bridge ran, read from its gallery
   * record's checked file; undefined when the item is unknown, unfinished, or its file is gone or not the one made.
   */
  thumbnail(batchId: string, index: number, signal: AbortSignal): Promise<Buffer | undefined>;
  /**
   * Keeps the chosen variant of a batch at the path its variants share (their name without the trailing `-N`):
   * the chosen file's bytes written there atomically, a file already there kept in the recovery folder, the
   * other variants left as they are. Domain failures throw BridgeError.
   */
  keepVariant(batchId: string, index: number): Promise<KeptVariant>;
}

export interface KeptVariant {
  path: string;
  bytes: number;
  /** Where the file that was at `path` now lives, when one was replaced. */
  replaced_kept_at?: string;
}
