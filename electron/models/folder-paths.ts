/*
 * Where a ComfyUI keeps each model folder type on its own disk, from its own API. `/experiment/models` lists
 * `[{name, folders}]` (ComfyUI's model manager); `/internal/folder_paths` maps each name to its folders (the
 * front-end's route, older and marked internal). The first folder of a type is the one ComfyUI treats as its
 * default (extra_model_paths.yaml's `is_default` puts its own first).
 */

export type ModelFolderPaths = ReadonlyMap<string, readonly string[]>;

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Decodes `/experiment/models`; undefined when the body is not that shape. */
export function decodeExperimentModels(body: unknown): ModelFolderPaths | undefined {
  if (!Array.isArray(body)) return undefined;
  const paths = new Map<string, string[]>();
  for (const entry of body) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { name, folders } = entry as { name?: unknown; folders?: unknown };
    if (typeof name !== 'string' || !isStringList(folders)) return undefined;
    paths.set(name, folders);
  }
  return paths;
}

/** Decodes `/internal/folder_paths`; undefined when the body is not that shape. */
export function decodeInternalFolderPaths(body: unknown): ModelFolderPaths | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const paths = new Map<string, string[]>();
  for (const [name, folders] of Object.entries(body)) {
    if (!isStringList(folders)) return undefined;
    paths.set(name, folders);
  }
  return paths;
}

/** Reads the folder paths from a ComfyUI: the model manager's list first, the front-end's route second. */
export async function readModelFolderPaths(
  getJson: (path: string) => Promise<unknown>,
): Promise<ModelFolderPaths | undefined> {
  for (const [path, decode] of [
    ['/experiment/models', decodeExperimentModels],
    ['/internal/folder_paths', decodeInternalFolderPaths],
  ] as const) {
    const decoded = await getJson(path).then(decode, () => undefined);
    if (decoded && decoded.size > 0) return decoded;
  }
  return undefined;
}

/**
 * The file name a sidecar gives, if it is a plain name that stays in the folder: no separator, no `..`, no
 * control character. The bridge writes only under names from its own sidecars, never from the network.
 */
export function isPlainFileName(name: string): boolean {
  return (
    name.length > 0 &&
    name !== '.' &&
    name !== '..' &&
    !/[/\\]/.test(name) &&
    ![...name].some((char) => char.charCodeAt(0) < 0x20) &&
    !name.endsWith('.partial') &&
    Buffer.byteLength(name, 'utf8') <= 240
  );
}
