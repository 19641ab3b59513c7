import { describe, expect, it } from 'vitest';
import {
  decodeExperimentModels,
  decodeInternalFolderPaths,
  isPlainFileName,
  readModelFolderPaths,
} from '../../electron/models/folder-paths.js';

describe("ComfyUI's model folder paths", () => {
  it('decodes /experiment/models and /internal/folder_paths, refusing other shapes', () => {
    expect(decodeExperimentModels([{ name: 'checkpoints', folders: ['/c/models/checkpoints'] }])).toEqual(
      new Map([['checkpoints', ['/c/models/checkpoints']]]),
    );
    expect(decodeExperimentModels([{ name: 'checkpoints', folders: '/x' }])).toBeUndefined();
    expect(decodeExperimentModels({})).toBeUndefined();
    expect(decodeInternalFolderPaths({ vae: ['/c/models/vae', '/d/vae'] })).toEqual(
      new Map([['vae', ['/c/models/vae', '/d/vae']]]),
    );
    expect(decodeInternalFolderPaths({ vae: [1] })).toBeUndefined();
    expect(decodeInternalFolderPaths([])).toBeUndefined();
  });

  it('asks /experiment/models first and falls back to /internal/folder_paths', async () => {
    const asked: string[] = [];
    const paths = await readModelFolderPaths((path) => {
      asked.push(path);
      return path === '/experiment/models'
        ? Promise.reject(new Error('404'))
        : Promise.resolve({ checkpoints: ['/m/checkpoints'] });
    });
    expect(asked).toEqual(['/experiment/models', '/internal/folder_paths']);
    expect(paths?.get('checkpoints')).toEqual(['/m/checkpoints']);
    expect(await readModelFolderPaths(() => Promise.resolve('nonsense'))).toBeUndefined();
  });

  it('accepts only plain file names that stay in the folder', () => {
    expect(isPlainFileName('v1-5-pruned-emaonly-fp16.safetensors')).toBe(true);
    for (const bad of ['', '.', '..', '../x.safetensors', 'sub/x.safetensors', 'a\\b', 'x\n', 'x.partial'])
      expect(isPlainFileName(bad), JSON.stringify(bad)).toBe(false);
  });
});
