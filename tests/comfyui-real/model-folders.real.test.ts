import { randomBytes, createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ComfyHttp } from '../../electron/comfy/http.js';
import { FolderHandle } from '../../electron/images/folder-handle.js';
import { downloadFile } from '../../electron/models/download-file.js';
import {
  decodeExperimentModels,
  decodeInternalFolderPaths,
  readModelFolderPaths,
} from '../../electron/models/folder-paths.js';
import { startFileServer } from '../models/support.js';

/*
 * The model download's folder lookup against a real ComfyUI (run with COMFYUI_URL=$(real/start.sh PORT)): both
 * folder routes answer in the shape decoded, name the same folders, and a file downloaded into the checkpoints
 * folder is listed by ComfyUI at once, without a restart.
 */

const url = process.env.COMFYUI_URL;

if (!url) {
  describe.skip('COMFYUI_URL not set: the real folder API check is skipped', () => {
    it('finds the model folders through the real folder API', () => {});
  });
} else {
  describe(`model folders of the real ComfyUI at ${url}`, () => {
    const http = new ComfyHttp({ baseUrl: url, timeoutMs: 10_000 });
    const placed: string[] = [];
    afterAll(() => placed.forEach((file) => rmSync(file, { force: true })));

    it('reads the same folders from /experiment/models and /internal/folder_paths', async () => {
      const experiment = decodeExperimentModels(await http.getJson('/experiment/models'));
      const internal = decodeInternalFolderPaths(await http.getJson('/internal/folder_paths'));
      expect(experiment?.get('checkpoints')?.length).toBeGreaterThan(0);
      for (const name of ['checkpoints', 'diffusion_models', 'text_encoders', 'vae'])
        expect(experiment?.get(name), name).toEqual(internal?.get(name));
      const chosen = await readModelFolderPaths((path) => http.getJson(path));
      expect(chosen?.get('checkpoints')).toEqual(experiment?.get('checkpoints'));
    });

    it('lists a file downloaded into its checkpoints folder without a restart', async () => {
      const folders = await readModelFolderPaths((path) => http.getJson(path));
      const directory = folders!.get('checkpoints')![0]!;
      const name = `bridge-real-test-${randomBytes(4).toString('hex')}.safetensors`;
      const bytes = randomBytes(4096);
      const server = await startFileServer(bytes);
      const folder = await FolderHandle.open(await realpath(directory), [], { create: false });
      placed.push(join(directory, name));
      try {
        await downloadFile({
          folder,
          name,
          url: server.url,
          expected: { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
        });
      } finally {
        await folder.close();
        await server.close();
      }
      expect(await http.getJson('/models/checkpoints')).toContain(name);
    });
  });
}
