/**
 * What the fake ComfyUI says about itself: /system_stats, /object_info, the model lists and folders, /features.
 * Model lists are the configured ones plus, with a models folder, the files in it at each request.
 */
import { readdirSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { FakeComfyUIOptions } from './fake-comfyui-api.js';
import type { FakeFiles } from './fake-files.js';
import { json, maxUploadSize, send } from './fake-http.js';
import { buildObjectInfo, defaultModelFolders, type ModelLists } from './fake-object-info.js';

/** folder_paths.supported_pt_extensions: what ComfyUI lists (so a `.partial` download is not). */
const modelExtensions = /\.(ckpt|pt|pt2|bin|pth|safetensors|pkl|sft)$/;

export class FakeSystem {
  models: ModelLists;
  /** GET /object_info requests answered (the whole list, not one node's). */
  objectInfoRequests = 0;
  private readonly modelsDir: string | undefined;
  private readonly device: FakeComfyUIOptions['device'];

  constructor(
    options: FakeComfyUIOptions,
    private readonly files: FakeFiles,
  ) {
    this.models = options.models ?? {};
    this.modelsDir = options.modelsDir;
    this.device = options.device;
  }

  objectInfo() {
    return buildObjectInfo(this.modelLists(), this.files.inputFiles());
  }

  /** Answers `method path` if it is one of these routes; false: not one of them. */
  route(method: string, path: string, port: number, res: ServerResponse): boolean {
    const ok = (value: unknown) => answer(res, 200, json, JSON.stringify(value));
    const key = `${method} ${path}`;
    if (key === 'GET /system_stats') return ok(systemStats(port, this.device));
    if (key === 'GET /object_info') {
      this.objectInfoRequests += 1;
      return ok(this.objectInfo());
    }
    if (method === 'GET' && path.startsWith('/object_info/')) {
      const name = decodeURIComponent(path.slice('/object_info/'.length));
      const info = this.objectInfo()[name];
      return ok(info ? { [name]: info } : {});
    }
    if (key === 'GET /models') return ok(defaultModelFolders);
    if (method === 'GET' && path.startsWith('/models/')) {
      const folder = decodeURIComponent(path.slice('/models/'.length));
      if (!defaultModelFolders.includes(folder)) return answer(res, 404, 'application/octet-stream', '');
      return ok(this.modelLists()[folder] ?? []);
    }
    if (this.modelsDir && key === 'GET /experiment/models')
      return ok(
        defaultModelFolders
          .filter((name) => name !== 'configs' && name !== 'custom_nodes')
          .map((name) => ({ name, folders: [join(this.modelsDir!, name)] })),
      );
    if (this.modelsDir && key === 'GET /internal/folder_paths')
      return ok(Object.fromEntries(defaultModelFolders.map((name) => [name, [join(this.modelsDir!, name)]])));
    if (key === 'GET /features')
      return ok({ supports_preview_metadata: true, max_upload_size: maxUploadSize });
    if (key === 'GET /embeddings' || key === 'GET /extensions') return ok([]);
    return false;
  }

  /** The configured lists plus, with modelsDir, the files on disk now (ComfyUI re-reads changed folders). */
  private modelLists(): ModelLists {
    if (!this.modelsDir) return this.models;
    const lists: ModelLists = { ...this.models };
    for (const folder of defaultModelFolders) {
      let files: string[];
      try {
        files = readdirSync(join(this.modelsDir, folder), { withFileTypes: true })
          .filter((entry) => entry.isFile() && modelExtensions.test(entry.name))
          .map((entry) => entry.name);
      } catch {
        continue;
      }
      lists[folder] = [...new Set([...(lists[folder] ?? []), ...files])].sort();
    }
    return lists;
  }
}

/** Sends, and says the route was answered. */
function answer(res: ServerResponse, status: number, contentType: string, body: string): true {
  send(res, status, contentType, body);
  return true;
}

function systemStats(port: number, device: FakeComfyUIOptions['device']) {
  return {
    system: {
      os: 'posix',
      ram_total: 25_276_026_880,
      ram_free: 24_464_867_328,
      comfyui_version: '0.3.64',
      required_frontend_version: '1.27.10',
      installed_templates_version: null,
      required_templates_version: '0.1.95',
      python_version: '3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]',
      pytorch_version: '1.13.0a0',
      embedded_python: false,
      argv: ['main.py', '--cpu', '--listen', '127.0.0.1', '--port', String(port)],
    },
    devices: [
      device
        ? {
            name: device.name,
            type: device.type,
            index: 0,
            vram_total: device.vramTotal,
            vram_free: device.vramTotal,
            torch_vram_total: 0,
            torch_vram_free: 0,
          }
        : {
            name: 'cpu',
            type: 'cpu',
            index: null,
            vram_total: 25_276_026_880,
            vram_free: 23_986_651_136,
            torch_vram_total: 25_276_026_880,
            torch_vram_free: 23_986_651_136,
          },
    ],
  };
}
