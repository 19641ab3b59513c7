import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { GenerationRecord } from '../../shared/generation.js';
import { BridgeError } from '../errors.js';
import { allowedFolderOf, type GalleryHandle } from '../gallery/index.js';
import { AtomicWriteError, openExistingFolder, writeFileAtomic } from '../images/atomic-write.js';
import type { FolderHandle } from '../images/folder-handle.js';
import { createPathPolicy, PathPolicyError } from '../images/path-policy.js';
import { ImageTooLargeError } from '../images/pixel-limit.js';
import { embeddedMetadata } from './embedded-metadata.js';
import { renderImageParts } from '../images/render.js';
import type { PreparedPrompt } from '../jobs/scheduler.js';
import type { JobRecord, JobResult, StagedInputs } from '../jobs/types.js';
import type { WorkflowCatalog } from './catalog.js';
import { keepOutsideMask, measureTransparency, readEditInputs, type ReadLimits } from './edit-inputs.js';
import { readFileWithin } from '../images/checked-read.js';
import { DEFAULT_STRENGTH } from './edit-plan.js';
import { endPhases, markPhase } from '../phase-timeline.js';
import type { ImageFeed } from '../jobs/image-feed.js';
import {
  discardStreamed,
  keptBytes,
  streamIntoTemp,
  streamsIntoTemp,
  type StreamedTemp,
} from './streamed-download.js';

/**
 * Binds a job's workflow to its parameters; the scheduler calls this when it dispatches (an edit once its inputs
 * are uploaded, with their names).
 */
export function prepareJob(
  catalog: WorkflowCatalog,
  job: JobRecord['spec'],
  staged?: StagedInputs,
): PreparedPrompt {
  const { edit } = job;
  return catalog.prepare(job.workflow, {
    prompt: job.prompt,
    negativePrompt: job.negativePrompt,
    width: job.width,
    height: job.height,
    seed: job.seed,
    ...(edit && staged
      ? {
          edit: {
            ...staged,
            ...(edit.strength === undefined ? {} : { denoise: edit.strength }),
            ...(DEFAULT_STRENGTH[edit.mode] === undefined
              ? {}
              : { fallbackDenoise: DEFAULT_STRENGTH[edit.mode] }),
            ...(edit.scale === undefined ? {} : { scale: edit.scale }),
            ...(edit.extend === undefined ? {} : { extend: edit.extend }),
          },
        }
      : {}),
  });
}

/** ComfyUI's image, with an inpaint's source put back outside its mask (edit-inputs.ts keepOutsideMask). */
async function editedImage(image: Buffer, spec: JobRecord['spec'], limits: ReadLimits): Promise<Buffer> {
  if (spec.edit?.mode !== 'inpaint') return image;
  const { source, mask } = await readEditInputs(spec.edit, spec.allowedRoots, limits);
  return keepOutsideMask(image, source, mask!, limits.maxPixels);
}

interface DeliverDeps {
  gallery: GalleryHandle;
  recoveryDir: string;
  maxInputPixels: number;
  maxSourceBytes: number;
}

/**
 * Turns ComfyUI's image into the file the agent asked for: exact size and format, metadata embedded, the
 * save path checked once more, written atomically (a replaced file kept for recovery), and recorded. The save
 * path is checked while the image downloads (`image` still on its way): a refused path is reported once the
 * download has settled, and nothing is placed unless both succeeded. With `feed` (the download's bytes as they
 * arrive), a PNG is written into its temp file meanwhile (streamed-download.ts).
 */
export async function deliverJob(
  deps: DeliverDeps,
  job: JobRecord,
  batchId: string,
  image: Buffer | Promise<Buffer>,
  backend: string,
  feed?: ImageFeed,
  folderAhead?: Promise<FolderHandle | undefined>,
): Promise<JobResult> {
  const { spec } = job;
  markPhase(job.id, 'deliver');
  const checked = checkedSavePath(spec).finally(() => markPhase(job.id, 'path-checked'));
  checked.catch(() => undefined); // awaited below, after the download
  // Its folder: the one opened while ComfyUI ran (folders-ahead.ts) if the path still leads to it, else opened
  // meanwhile, if it exists (nothing is made before the image is good). The temp file waits for the check too.
  const folder = folderAhead
    ? folderAhead.then((opened) => stillSaveFolder(opened, spec))
    : checked.then(
        (savePath) => openExistingFolder(savePath, spec.allowedRoots),
        () => undefined,
      );
  const streamed =
    feed && streamsIntoTemp(spec)
      ? Promise.all([checked, folder]).then(
          ([, opened]) => opened && streamIntoTemp(feed, opened, basename(spec.savePath)),
          () => undefined,
        )
      : Promise.resolve(undefined);
  try {
    return await deliverInto(deps, job, batchId, { image, checked, folder, streamed }, backend);
  } finally {
    // Closed while the answer is on its way: nothing waits on it, and awaiting it put a trip to the file system
    // (about a millisecond) on every call's path. Closing a folder's descriptor has nothing to report. A streamed
    // temp file the write did not take (the download or the render failed) is removed first, through the folder.
    void streamed
      .then(discardStreamed)
      .catch(() => undefined)
      .then(() => folder)
      .then((handle) => handle?.close())
      .catch(() => undefined);
  }
}

async function deliverInto(
  deps: DeliverDeps,
  job: JobRecord,
  batchId: string,
  ahead: {
    image: Buffer | Promise<Buffer>;
    checked: Promise<string>;
    folder: Promise<FolderHandle | undefined>;
    streamed: Promise<StreamedTemp | undefined>;
  },
  backend: string,
): Promise<JobResult> {
  const { spec } = job;
  const bytes = await ahead.image;
  markPhase(job.id, 'downloaded');
  const savePath = await ahead.checked;
  markPhase(job.id, 'render');
  const limits = { maxBytes: deps.maxSourceBytes, maxPixels: deps.maxInputPixels };
  const edited = await editedImage(bytes, spec, limits);
  let rendered;
  try {
    rendered = await renderImageParts(edited, {
      width: spec.width,
      height: spec.height,
      format: spec.format,
      metadata: embeddedMetadata(spec, backend),
      maxInputPixels: deps.maxInputPixels,
    });
  } catch (error) {
    if (error instanceof ImageTooLargeError)
      throw new BridgeError(
        error.code,
        `ComfyUI at ${backend} returned an image too large to process (check the workflow's output size): ${error.message}`,
      );
    // sharp's own words ("Input buffer contains unsupported image format") do not say whose bytes were bad.
    throw new BridgeError(
      'unreadable_image',
      `The image ComfyUI at ${backend} returned could not be processed (${error instanceof Error ? error.message : String(error)}). ` +
        "Check the workflow's output node and the ComfyUI console; a proxy in front of ComfyUI can also garble /view.",
    );
  }
  markPhase(job.id, 'rendered');
  // Whole by now: the download has ended, so the streaming into the temp file has too.
  const streamed = await ahead.streamed;
  let written;
  try {
    written = await writeFileAtomic(
      savePath,
      rendered.parts,
      {
        allowedRoots: spec.allowedRoots,
        overwrite: spec.overwrite,
        recoveryDir: deps.recoveryDir,
        onStep: (step) => markPhase(job.id, step),
      },
      await ahead.folder,
      streamed && takeOver(streamed, keptBytes(rendered.parts, bytes, streamed.written)),
    );
  } catch (error) {
    if (error instanceof AtomicWriteError)
      throw new BridgeError(`write_${error.reason.replaceAll('-', '_')}`, error.message);
    if (error instanceof PathPolicyError) throw refusal(error);
    throw error;
  }
  const allowedFolder = allowedFolderOf(written.path, spec.allowedRoots);
  // Measured on the file as written, read back through its checked folder: the agent is told what is there.
  const transparency =
    spec.edit?.mode === 'remove_background'
      ? await measureTransparency(await readFileWithin(written.path, spec.allowedRoots), deps.maxInputPixels)
      : undefined;
  const record: GenerationRecord = {
    id: job.id,
    path: written.path,
    prompt: spec.prompt,
    ...(spec.negativePrompt ? { negativePrompt: spec.negativePrompt } : {}),
    seed: spec.seed,
    width: rendered.width,
    height: rendered.height,
    format: rendered.format,
    bytes: written.bytes,
    workflow: spec.workflow,
    backend,
    batchId,
    createdAt: new Date().toISOString(),
    file: written.identity,
    ...(allowedFolder ? { allowedFolder } : {}),
    ...(spec.edit ? { edit: { mode: spec.edit.mode, source: spec.edit.source } } : {}),
  };
  deps.gallery.add(record);
  endPhases(job.id, 'recorded');
  return {
    ...resultOf(record),
    ...(transparency
      ? { hasAlpha: transparency.hasAlpha, transparentFraction: transparency.transparentFraction }
      : {}),
  };
}

/** Hands a streamed temp file to the atomic write, which from then on closes or removes it. */
function takeOver(streamed: StreamedTemp, keep: number) {
  streamed.taken = true;
  return { temp: streamed.temp, keep };
}

/** A folder opened while ComfyUI ran, if its path still leads to it; else (closed) the folder the path leads to now. */
async function stillSaveFolder(
  opened: FolderHandle | undefined,
  spec: JobRecord['spec'],
): Promise<FolderHandle | undefined> {
  if (opened) {
    try {
      await opened.verify();
      return opened;
    } catch {
      await opened.close();
    }
  }
  return openExistingFolder(spec.savePath, spec.allowedRoots);
}

/** The job's save path, checked once more against its allowed folders (they may have changed since the call). */
async function checkedSavePath(spec: JobRecord['spec']): Promise<string> {
  try {
    return await createPathPolicy({ allowedRoots: spec.allowedRoots }).resolveSavePath(spec.savePath, {
      defaultDir: dirname(spec.savePath),
    });
  } catch (error) {
    if (error instanceof PathPolicyError) throw refusal(error);
    throw error;
  }
}

/** A save path refused at write time; one that moved during the write is told apart, since a retry may work. */
function refusal(error: PathPolicyError): BridgeError {
  return new BridgeError(error.reason === 'changed' ? 'path_changed' : 'path_refused', error.message);
}

/** A job whose file was written and recorded before a restart: its result, if the file is still there. */
export async function findDeliveredJob(
  gallery: GalleryHandle,
  job: JobRecord,
): Promise<JobResult | undefined> {
  const record = (await gallery.loaded()).get(job.id);
  if (!record) return undefined;
  try {
    if (!statSync(record.path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return resultOf(record);
}

export function recoveryDirOf(dataDir: string): string {
  return join(dataDir, 'replaced');
}

/** The job result a gallery record stands for (also what a seeded data folder's batches hold, bench/). */
export function resultOf(record: GenerationRecord): JobResult {
  return {
    path: record.path,
    width: record.width,
    height: record.height,
    format: record.format,
    bytes: record.bytes,
    seed: record.seed,
    workflow: record.workflow,
    backend: record.backend,
    ...(record.edit ? { source: record.edit.source } : {}),
  };
}
