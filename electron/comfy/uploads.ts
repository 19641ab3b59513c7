import { createHash } from 'node:crypto';
import type { ComfyClient } from './client.js';

/** What a source file becomes in a workflow: `LoadImage`'s image, or a mask for `LoadImageMask` (white = change). */
export type InputKind = 'image' | 'mask';

/**
 * The subfolder of ComfyUI's input folder that the bridge's uploads go to: LoadImage's list in ComfyUI's own UI
 * shows only top-level files, so the user's list stays theirs; a workflow names the file "mcp-bridge/<name>".
 */
export const uploadSubfolder = 'mcp-bridge';

/**
 * The content-addressed name of an input: the same bytes always get the same name, on every backend and after
 * every retry, and different bytes practically never share one (96 bits of SHA-256).
 */
export function contentAddressedName(bytes: Buffer, kind: InputKind, extension: string): string {
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 24);
  return `${kind}-${digest}.${extension.replace(/^\./, '').toLowerCase()}`;
}

/** What uploading needs of a client (the scheduler's BackendClient and ComfyClient both have it). */
export interface UploadingClient {
  uploadImage: ComfyClient['uploadImage'];
  on(event: 'connection', listener: (event: { connected: boolean }) => void): unknown;
}

/**
 * Sends sources and masks to the backend that runs the job, each at most once per backend while that backend
 * stays up.
 *
 * - One cache per backend (per client): a job failed over to another backend uploads there again.
 * - Concurrent jobs with the same source share one upload (the pending promise is cached); a failed upload is
 *   forgotten, so the next job tries again.
 * - A backend's cache is dropped when its websocket drops: a restarted ComfyUI may have another (or an emptied)
 *   input folder, and a drop is how the client notices a restart. After a mere network blip this costs one upload,
 *   which ComfyUI answers without writing (same name, identical bytes: captures/upload-image.json).
 * - No `overwrite`: a name already holding the same bytes is kept as it is, and should a name ever hold other bytes,
 *   ComfyUI picks "name (1).ext" and the answer's name is the one used.
 *
 * Masks go through /upload/image as ordinary greyscale images (read by `LoadImageMask` with channel `red`), not
 * /upload/mask: that endpoint writes the original's pixels with the mask as alpha under the mask's name, never
 * recognises the same mask again ("(1)" each time) and silently writes nothing when the original is missing
 * (captures/upload-mask.json).
 */
export class InputUploads {
  private readonly backends = new WeakMap<UploadingClient, Map<string, Promise<string>>>();

  /** The value for the `image` input of LoadImage / LoadImageMask on this backend, uploading if needed. */
  ensure(client: UploadingClient, bytes: Buffer, kind: InputKind, extension: string): Promise<string> {
    const uploaded = this.cacheOf(client);
    const name = contentAddressedName(bytes, kind, extension);
    const cached = uploaded.get(name);
    if (cached) return cached;
    const upload = client
      .uploadImage(bytes, name, { subfolder: uploadSubfolder, type: 'input' })
      .then((ref) => (ref.subfolder ? `${ref.subfolder}/${ref.filename}` : ref.filename));
    uploaded.set(name, upload);
    upload.catch(() => {
      if (uploaded.get(name) === upload) uploaded.delete(name);
    });
    return upload;
  }

  /**
   * Forgets what this backend was sent: ComfyUI answered that an uploaded input is not there (someone emptied
   * its input folder while it stayed up), so the next job uploads again.
   */
  forget(client: UploadingClient): void {
    this.backends.get(client)?.clear();
  }

  private cacheOf(client: UploadingClient): Map<string, Promise<string>> {
    let uploaded = this.backends.get(client);
    if (!uploaded) {
      const cache = new Map<string, Promise<string>>();
      client.on('connection', ({ connected }) => {
        if (!connected) cache.clear();
      });
      this.backends.set(client, (uploaded = cache));
    }
    return uploaded;
  }
}
