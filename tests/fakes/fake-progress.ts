/**
 * A node with steps (samplers, SlowProgress) as ComfyUI runs it: a progress message per step, the previews around
 * it, the test's hold between steps, and SlowProgress's requested failure.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutorDeps, QueueItem } from './fake-executor.js';
import { num, type FakeValue, type NodeInputs } from './fake-nodes.js';
import { RunStopped } from './fake-run-stop.js';

/** The node being run, and its steps: how many, and how long each takes. */
export interface StepsOf {
  item: QueueItem;
  id: string;
  classType: string;
  inputs: NodeInputs;
  steps: number;
  stepMs: number;
}

/** Runs the steps; `onStep` reports each (the executor's progress_state) before its progress message. */
export async function runSteps(
  deps: ExecutorDeps,
  node: StepsOf,
  killed: AbortSignal,
  onStep: (step: number) => void,
): Promise<void> {
  const { item, id, classType, inputs, steps, stepMs } = node;
  const { outbox, files } = deps;
  const client = item.extraData.client_id;
  const failAt = num(inputs.fail_at_step, 0);
  const nodePreview =
    inputs.preview === true ? await files.previewJpeg(inputs.image as FakeValue) : undefined;
  const samplerPreviews = classType !== 'SlowProgress' && deps.samplerPreviews();
  for (let step = 1; step <= steps; step++) {
    if (stepMs > 0) await sleep(stepMs, undefined, { signal: killed });
    if (item.interrupted) throw new RunStopped('interrupted', id);
    if (failAt > 0 && step === failAt) {
      throw new RunStopped(
        'error',
        id,
        '<custom_nodes>/slow_progress.SlowProgressFailure',
        `SlowProgress failed on request at step ${step} of ${steps}\n`,
      );
    }
    onStep(step);
    // A sampler's preview changes as the image forms: the shade moves with the step.
    const preview = samplerPreviews ? await files.samplerPreviewJpeg(step, steps) : nodePreview;
    const metadata = {
      node_id: id,
      prompt_id: item.promptId,
      display_node_id: id,
      parent_node_id: null,
      real_node_id: id,
      image_type: 'image/jpeg',
    };
    if (preview) outbox.preview(client, preview, metadata, 'before-progress');
    outbox.toClientOrAll(client, 'progress', {
      value: step,
      max: steps,
      prompt_id: item.promptId,
      node: id,
    });
    if (preview) outbox.preview(client, preview, metadata, 'after-progress');
    while (deps.samplingHeld() && !deps.takeReleasedStep() && !item.interrupted)
      await sleep(10, undefined, { signal: killed });
  }
}
