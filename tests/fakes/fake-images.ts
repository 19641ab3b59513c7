/**
 * GET /view and POST /upload/image, /upload/mask: the fake ComfyUI's image files over HTTP, as recorded in
 * captures/upload-image.json and upload-mask.json, plus the /view faults a test can ask for.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import type { ImageRef } from '../../electron/comfy/types.js';
import type { FakeFiles } from './fake-files.js';
import { json, parseJson, send, serverError } from './fake-http.js';

/** What a test asked of /view; `failTimes` counts down as /view fails. */
export interface ViewBehaviour {
  delayMs?: number;
  fail?: 500 | 404;
  failTimes?: number;
  body?: Buffer;
  /** An image's first `bytes` bytes are sent at once, the rest once `until` settles: a download under way. */
  holdAfter?: { bytes: number; until: Promise<unknown> };
}

export async function serveView(
  files: FakeFiles,
  behaviourNow: () => ViewBehaviour,
  query: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const delayMs = behaviourNow().delayMs;
  if (delayMs) await sleep(delayMs);
  // Read again after the delay: a test may have changed the behaviour meanwhile.
  const behaviour = behaviourNow();
  const { fail, failTimes } = behaviour;
  if (fail && (failTimes === undefined || failTimes > 0)) {
    if (failTimes !== undefined) behaviour.failTimes = failTimes - 1;
    return send(res, fail, 'application/octet-stream', '');
  }
  let filename = query.get('filename');
  let type = query.get('type') ?? 'output';
  if (!filename) return send(res, 404, 'application/octet-stream', '');
  const annotated = /^(.*) \[(input|output|temp)\]$/.exec(filename);
  if (annotated?.[1] && annotated[2]) [filename, type] = [annotated[1], annotated[2]];
  if (type !== 'output' && type !== 'input' && type !== 'temp')
    return send(res, 400, 'application/octet-stream', '');
  const path = files.resolve(type, query.get('subfolder') ?? '', filename);
  if (path === 'bad-request') return send(res, 400, 'application/octet-stream', '');
  if (path === 'forbidden') return send(res, 403, 'application/octet-stream', '');
  const bytes = behaviour.body ?? files.read(path);
  if (!bytes) return send(res, 404, 'application/octet-stream', '');
  const preview = query.get('preview');
  if (preview) {
    const [format, quality] = preview.split(';');
    const q = Number(quality ?? 90);
    const converted =
      format === 'webp'
        ? await sharp(bytes).webp({ quality: q }).toBuffer()
        : await sharp(bytes).jpeg({ quality: q }).toBuffer();
    return send(res, 200, format === 'webp' ? 'image/webp' : 'image/jpeg', converted, filename);
  }
  const held = behaviour.holdAfter;
  if (held) {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(bytes.length) });
    res.write(bytes.subarray(0, held.bytes));
    await held.until;
    res.end(bytes.subarray(held.bytes));
    return;
  }
  send(res, 200, 'image/png', bytes, filename);
}

export async function serveUpload(
  files: FakeFiles,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  mask: boolean,
): Promise<void> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), {
      headers: { 'content-type': req.headers['content-type'] ?? '' },
    }).formData();
  } catch {
    return send(res, 400, 'application/octet-stream', '');
  }
  const image = form.get('image');
  if (!(image instanceof File) || !image.name) return send(res, 400, 'application/octet-stream', '');
  const type = (form.get('type') ?? 'input') as ImageRef['type'];
  const subfolder = formText(form, 'subfolder');
  if (files.resolve(type, subfolder, image.name) === 'forbidden')
    return send(res, 400, 'application/octet-stream', '');
  const overwrite = ['true', '1'].includes(formText(form, 'overwrite'));
  const bytes = Buffer.from(await image.arrayBuffer());
  let ref: ImageRef | undefined;
  if (mask) {
    const original = parseJson(Buffer.from(formText(form, 'original_ref'))) as
      { filename?: unknown; type?: unknown; subfolder?: unknown } | undefined;
    // ComfyUI's json.loads(None) raises: a 500 like any unhandled exception.
    if (!original || typeof original !== 'object')
      return send(res, 500, 'text/plain; charset=utf-8', serverError);
    ref = await files.uploadMask(bytes, image.name, type, subfolder, overwrite, {
      filename: typeof original.filename === 'string' ? original.filename : '',
      ...(typeof original.type === 'string' && { type: original.type }),
      ...(typeof original.subfolder === 'string' && { subfolder: original.subfolder }),
    });
  } else {
    ref = files.upload(bytes, image.name, type, subfolder, overwrite);
  }
  if (!ref) return send(res, 500, 'text/plain; charset=utf-8', serverError);
  send(res, 200, json, JSON.stringify({ name: ref.filename, subfolder: ref.subfolder, type: ref.type }));
}

function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}
