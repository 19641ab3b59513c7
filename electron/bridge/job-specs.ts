/**
 * A call's fields turned into a job spec: generate_image's (workflow, native size, seed, format, save path checked
 * before any GPU time is spent) and edit_image's (edit-spec.ts), each with its web option.
 */
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { BridgeError } from '../errors.js';
import type { PathPolicy } from '../images/path-policy.js';
import { FIRST_PROBE_WAIT_MS } from '../jobs/backend-pool.js';
import type { JobSpec, WebSpec } from '../jobs/types.js';
import type { GenerateImageArgs } from '../mcp/schemas.js';
import { webOptionSchema } from '../web/purposes.js';
import { checkSavePath, resolvePath } from './call-paths.js';
import type { Placement } from './call-scope.js';
import { editReadLimits } from './edit-inputs.js';
import { buildEditSpec, type EditFields } from './edit-spec.js';
import { defaultFileName } from './file-names.js';
import { fileExistsError, outputTarget, refuseTakenWebNames, savedFileFields } from './save-file.js';
import { chooseSaveTarget } from './save-location.js';
import type { ServiceDeps } from './service-deps.js';

type SpecDeps = Pick<ServiceDeps, 'pool' | 'catalog' | 'settings'>;

/** The fields of one generation: generate_image's, or a batch item's merged with the batch defaults. */
export type GenerateFields = Omit<
  GenerateImageArgs,
  'preview' | 'wait_seconds' | 'prompt' | 'idempotency_key' | 'project_dir'
> & {
  prompt?: string | undefined;
};

export async function generateSpec(
  deps: SpecDeps,
  fields: GenerateFields,
  placement: Placement,
  policy: PathPolicy,
  suffix = '',
): Promise<JobSpec> {
  const { pool, catalog } = deps;
  const prompt = fields.prompt;
  if (!prompt) throw new BridgeError('invalid_arguments', 'prompt is required.');
  // Model files come and go while ComfyUI runs; the default and the dispatcher's check need today's lists,
  // and right after start-up the backends' first answers.
  await pool.firstProbes(FIRST_PROBE_WAIT_MS);
  await pool.refreshObjectInfo();
  const workflow = catalog.resolveId(fields.workflow);
  const size = catalog.defaultSize(workflow);
  const seed = fields.seed ?? randomInt(0, 2 ** 47);
  const generatedName = defaultFileName(prompt, seed, fields.format ?? 'png', suffix);
  const { anchors } = placement;
  // A folder as save_path means "this folder, with the name the bridge would have chosen".
  const requested = chooseSaveTarget({
    savePath:
      fields.save_path && (await policy.namesSaveFolder(fields.save_path, anchors))
        ? join(fields.save_path, generatedName)
        : fields.save_path,
    generatedName,
    anchors,
    imagesFolder: placement.imagesFolder,
  });
  const target = outputTarget(requested.path, fields.format);
  const { path: savePath, exists } = await checkSavePath(policy, target.path, anchors);
  const overwrite = fields.overwrite ?? false;
  if (!overwrite && exists) throw fileExistsError(savePath);
  const width = fields.width ?? size.width;
  const height = fields.height ?? size.height;
  const web = webSpecOf(fields.web, placement);
  if (!overwrite) await refuseTakenWebNames(savePath, web.web, { width, height });
  return {
    prompt,
    negativePrompt: fields.negative_prompt ?? '',
    width,
    height,
    seed,
    format: target.format,
    workflow,
    ...savedFileFields(savePath, policy, overwrite, requested.reason),
    ...web,
  };
}

/** An edit's spec (edit-spec.ts); the object lists are read fresh so the mode's default sees today's models. */
export async function editSpec(
  deps: SpecDeps,
  fields: EditFields,
  placement: Placement,
  policy: PathPolicy,
  tag = '',
): Promise<JobSpec> {
  const { pool } = deps;
  await pool.firstProbes(FIRST_PROBE_WAIT_MS);
  await pool.refreshObjectInfo();
  const spec = await buildEditSpec(
    {
      catalog: deps.catalog,
      limits: editReadLimits(deps.settings.get()),
      resolveSavePath: (path, anchors) => resolvePath(policy, path, anchors),
      seed: () => randomInt(0, 2 ** 47),
    },
    fields,
    { policy, ...placement },
    tag,
  );
  const web = webSpecOf(fields.web, placement);
  if (!spec.overwrite) await refuseTakenWebNames(spec.savePath, web.web, spec);
  return { ...spec, ...web };
}

/**
 * The job's web variants, when the call asked for them (the schema checked the option): URLs are relative to the
 * call's project folder (its public/, static/ or assets/).
 */
function webSpecOf(web: unknown, placement: Placement): { web?: WebSpec } {
  if (web === undefined) return {};
  const projectDir = placement.anchors.baseDir;
  return { web: { option: webOptionSchema.parse(web), ...(projectDir === undefined ? {} : { projectDir }) } };
}
