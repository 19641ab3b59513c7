import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelFileSize, formatBytes } from '../../renderer/src/state/status.js';
import { apiRoutes } from '../../shared/dashboard-api.js';
import { recommendModel, type OfferCandidate } from '../../electron/models/recommend.js';
import { parseWorkflowMeta } from '../../electron/workflows/meta.js';
import { bundledWorkflowsDir, cleanupsAfterEach, removeDirs, startTestCore, until } from '../core/harness.js';
import { apiOf } from '../dashboard/helpers.js';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';

/*
 * The size the Status view shows next to each file of the model it offers comes from the bundled sidecar: the
 * exact byte count where one is recorded (docs/MODEL-SUMS.md), else the rough figure. For every model the
 * dashboard can recommend (one per class of device), a real core with the real bundled workflows is asked for
 * its offer by a fake ComfyUI reporting that device, and the view's text for each file is checked against the
 * sidecar.
 */

const cleanups = cleanupsAfterEach();

const bundled: OfferCandidate[] = readdirSync(bundledWorkflowsDir)
  .filter((name) => name.endsWith('.meta.json'))
  .map((name) => ({
    id: name.replace(/\.meta\.json$/, ''),
    meta: parseWorkflowMeta(JSON.parse(readFileSync(join(bundledWorkflowsDir, name), 'utf8')), name),
  }));

/** A CPU, and a GPU with exactly the memory each offered model asks for: every recommendation there is. */
const probes = [
  { name: 'cpu', type: 'cpu', vramTotal: 16 * 2 ** 30 },
  ...bundled.flatMap((candidate) =>
    candidate.meta.offer
      ? [
          {
            name: `cuda:0 ${candidate.meta.offer.minVramGb} GB`,
            type: 'cuda',
            vramTotal: candidate.meta.offer.minVramGb * 1e9,
          },
        ]
      : [],
  ),
];
const byRecommendation = new Map<string, (typeof probes)[number]>();
for (const device of probes) {
  const pick = recommendModel(bundled, device);
  if (pick && !byRecommendation.has(pick.id)) byRecommendation.set(pick.id, device);
}

describe('the size shown for each file of the offered model', () => {
  it('covers more than one recommendation', () => {
    expect(byRecommendation.size).toBeGreaterThan(1);
  });

  it.each([...byRecommendation])('%s: is the sidecar’s exact size where recorded', async (id, device) => {
    const modelsDir = mkdtempSync(join(tmpdir(), 'comfy-models-'));
    cleanups.push(() => removeDirs(modelsDir));
    const comfy = await startFakeComfyUI({ modelsDir, device });
    cleanups.push(() => comfy.close());
    const fixture = await startTestCore({ urls: [comfy.url] });
    cleanups.push(async () => {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir);
    });
    await until(() => fixture.core.pool.snapshot()[0]?.available === true, 'backend available');

    const view = apiRoutes.models.response.parse((await apiOf(fixture.core).call('/api/models')).json());
    expect(view.offer?.workflow).toBe(id);
    const sidecar = bundled.find((candidate) => candidate.id === id)!.meta;
    expect(view.offer!.files.map((file) => file.file)).toEqual(sidecar.models.map((model) => model.file));
    for (const [index, file] of view.offer!.files.entries()) {
      const recorded = sidecar.models[index]!;
      const shown = modelFileSize(file);
      if (recorded.bytes !== undefined) {
        expect(file.bytes).toBe(recorded.bytes);
        expect(shown).toBe(formatBytes(recorded.bytes));
      } else {
        expect(shown).toBe(`about ${recorded.approxGb} GB`);
      }
    }
  });
});
