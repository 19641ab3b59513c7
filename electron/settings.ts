import { settingsSchema, type Settings, type SettingsPatch } from '../shared/settings.js';
import type { Logger } from './log.js';

/**
 * What both `conf` (headless) and electron-store (desktop) offer: electron-store extends conf, so the
 * same options object and the same adapter serve both.
 */
export interface KeyValueStore {
  store: Record<string, unknown>;
}

export interface SettingsService {
  get(): Settings;
  /** Validates the whole result; an invalid patch throws and changes nothing. */
  update(patch: SettingsPatch): Settings;
  onChange(listener: (next: Settings, previous: Settings) => void): () => void;
}

/** Options for `new Conf(...)` / `new ElectronStore(...)`. Validation is ours (zod), not conf's ajv. */
export const settingsStoreOptions = {
  projectName: 'comfyui-mcp-bridge',
  configName: 'settings',
  clearInvalidConfig: false,
} as const;

export function createSettings(options: {
  store: KeyValueStore;
  logger: Logger;
  overrides?: SettingsPatch;
}): SettingsService {
  const { store, logger } = options;
  let current = readValid(store.store, logger);
  // Command-line and environment overrides apply to this run only; they are not written back.
  const overrides = options.overrides ?? {};
  let effective = settingsSchema.parse({ ...current, ...overrides });
  const listeners = new Set<(next: Settings, previous: Settings) => void>();

  return {
    get: () => effective,
    update(patch) {
      const nextStored = settingsSchema.parse({ ...current, ...patch });
      const nextEffective = settingsSchema.parse({
        ...nextStored,
        ...withoutKeys(overrides, Object.keys(patch)),
      });
      store.store = nextStored;
      current = nextStored;
      const previous = effective;
      effective = nextEffective;
      for (const listener of listeners) listener(effective, previous);
      return effective;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A stored file with a bad value keeps every good value; the bad ones fall back to defaults, with a warning. */
function readValid(raw: Record<string, unknown>, logger: Logger): Settings {
  const whole = settingsSchema.safeParse(raw);
  if (whole.success) return whole.data;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = settingsSchema.shape[key as keyof Settings];
    if (field && field.safeParse(value).success) kept[key] = value;
    else logger.warn('ignoring an invalid stored setting; using its default', { key });
  }
  return settingsSchema.parse(kept);
}

function withoutKeys(patch: SettingsPatch, keys: string[]): SettingsPatch {
  return Object.fromEntries(Object.entries(patch).filter(([key]) => !keys.includes(key)));
}

/** A store kept in memory, for tests and for runs that must not touch the user's settings file. */
export function memoryStore(initial: Record<string, unknown> = {}): KeyValueStore {
  return { store: { ...initial } };
}
