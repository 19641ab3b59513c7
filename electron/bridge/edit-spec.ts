/**
 * An edit call (edit_image, or a batch item with image + mode) turned into a job spec: the source and mask read
 * under the path policy and hashed, the plan (size, strength, extend/scale) checked, the workflow chosen for the
 * mode, the save path decided (beside the source by default) and checked. Everything the job needs at dispatch,
 * even after a restart, is in the spec (jobs/types.ts EditSpec).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { OutputFormat } from '../../shared/generation.js';
import type { PathAnchors, PathPolicy } from '../images/path-policy.js';
import type { EditSpec, JobSpec } from '../jobs/types.js';
import type { EditImageArgs } from '../mcp/schemas.js';
import type { WorkflowCatalog } from './catalog.js';
import { readSource, sha256, type ReadLimits } from './edit-inputs.js';
import { checkEditFormat, defaultEditFormat, editedPath, maskFit, planEdit } from './edit-plan.js';
import { fileExistsError, outputTarget, savedFileFields } from './save-file.js';
import { chooseSaveTarget } from './save-location.js';

/** The fields of one edit: edit_image's, or a batch item's merged with the batch defaults. */
export type EditFields = Omit<EditImageArgs, 'preview' | 'wait_seconds' | 'idempotency_key' | 'project_dir'>;

export interface EditSpecDeps {
  catalog: WorkflowCatalog;
  limits: ReadLimits;
  /** Resolves a save path under the policy, as a BridgeError on refusal. */
  resolveSavePath(path: string, anchors: PathAnchors): Promise<string>;
  seed(): number;
}

export async function buildEditSpec(
  deps: EditSpecDeps,
  fields: EditFields,
  context: { policy: PathPolicy; anchors: PathAnchors; imagesFolder: string | undefined },
  tag = '',
): Promise<JobSpec> {
  const { policy, anchors } = context;
  const source = await readSource(fields.image, policy, anchors, deps.limits);
  const mask = fields.mask ? await readSource(fields.mask, policy, anchors, deps.limits, 'mask') : undefined;
  if (mask) maskFit(mask, source);
  const plan = planEdit(fields, source, deps.limits.maxPixels);
  const workflow = deps.catalog.resolveId(fields.workflow, fields.mode);
  const overwrite = fields.overwrite ?? false;

  const fallbackFormat = defaultEditFormat(fields.mode, source.format);
  const nameFormat: OutputFormat = fields.format ?? fallbackFormat;
  // With overwrite, the default name is reused (the earlier edit kept for recovery); otherwise a free one is found.
  const besideSource = editedPath(
    source.path,
    fields.mode,
    nameFormat,
    (candidate) => !overwrite && existsSync(candidate),
    tag,
  );
  const savePathArg =
    fields.save_path && (await policy.namesSaveFolder(fields.save_path, anchors))
      ? path.join(fields.save_path, path.basename(besideSource))
      : fields.save_path;
  const requested = savePathArg
    ? chooseSaveTarget({
        savePath: savePathArg,
        generatedName: '',
        anchors,
        imagesFolder: context.imagesFolder,
      })
    : { path: besideSource, reason: 'no save_path: beside the source' };
  const target = outputTarget(requested.path, fields.format, fallbackFormat);
  checkEditFormat(fields.mode, target.format);
  const savePath = await deps.resolveSavePath(target.path, anchors);
  if (!overwrite && existsSync(savePath)) throw fileExistsError(savePath);

  const edit: EditSpec = {
    mode: fields.mode,
    source: source.path,
    sourceHash: sha256(source.bytes),
    sourceWidth: source.width,
    sourceHeight: source.height,
    ...(mask ? { mask: { path: mask.path, hash: sha256(mask.bytes) } } : {}),
    ...(fields.region ? { region: fields.region } : {}),
    ...(plan.strength === undefined ? {} : { strength: plan.strength }),
    ...(plan.extend ? { extend: plan.extend } : {}),
    ...(plan.scale === undefined ? {} : { scale: plan.scale }),
  };
  return {
    prompt: fields.prompt ?? '',
    negativePrompt: fields.negative_prompt ?? '',
    width: plan.width,
    height: plan.height,
    seed: fields.seed ?? deps.seed(),
    format: target.format,
    workflow,
    ...savedFileFields(savePath, policy, overwrite, requested.reason),
    edit,
  };
}
