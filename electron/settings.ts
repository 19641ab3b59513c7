import { homedir } from 'node:os';
import path from 'node:path';
import { settingsSchema, type Settings, type SettingsPatch } from '../shared/settings.js';
import type { Logger } from './log.js';
import { PRIVATE_FILE_MODE } from './private-files.js';
import { lockedChanges, settingLockedError, withoutLocked, type LockedSettings } from './settings-lock.js';

export type { LockedSettings } from './settings-lock.js';

/**
 * What both `conf` (headless) and electron-store (desktop) offer: electron-store extends conf, so the
 * same options object and the same adapter serve both.
 */
export interface KeyValueStore {
  store: Record<string, unknown>;
}

export interface SettingsService {
  get(): Settings;
  /** The settings a flag or environment variable set for this run, with it: they cannot be changed. */
  locked(): LockedSettings;
  /**
   * Validates the whole result; an invalid patch (or a relative folder) throws and changes nothing, and so
   * does a change to a locked setting (a BridgeError `setting_locked`).
   */
  update(patch: SettingsPatch): Settings;
  onChange(listener: (next: Settings, previous: Settings) => void): () => void;
}

/** Options for `new Conf(...)` / `new ElectronStore(...)`. Validation is ours (zod), not conf's ajv. */
export const settingsStoreOptions = {
  projectName: 'comfyui-mcp-bridge',
  configName: 'settings',
  clearInvalidConfig: false,
  // It holds both access tokens: readable by this user only (conf's default is 0666 less the umask).
  configFileMode: PRIVATE_FILE_MODE,
} as const;

export function createSettings(options: {
  store: KeyValueStore;
  logger: Logger;
  /** Values for this run only (flags, environment variables): never written back, and locked. */
  overrides?: SettingsPatch;
  /** The flag or variable behind each override, as the dashboard names it; default "the command line". */
  overrideSources?: LockedSettings;
}): SettingsService {
  const { store, logger } = options;
  let current = readValid(store.store, logger);
  const overrides = options.overrides ?? {};
  const locked: LockedSettings = Object.fromEntries(
    Object.keys(overrides).map((key) => [
      key,
      options.overrideSources?.[key as keyof Settings] ?? 'the command line',
    ]),
  );
  let effective = settingsSchema.parse({ ...current, ...overrides });
  const listeners = new Set<(next: Settings, previous: Settings) => void>();

  return {
    get: () => effective,
    locked: () => ({ ...locked }),
    update(requested) {
      const refused = lockedChanges(requested, effective, locked);
      if (refused.length > 0) throw settingLockedError(refused, locked);
      const patch = withoutLocked(requested, locked);
      const relative = relativeFolderProblem(patch);
      if (relative) throw new Error(relative);
      const nextStored = settingsSchema.parse({ ...current, ...patch });
      const nextEffective = settingsSchema.parse({ ...nextStored, ...overrides });
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

/** The settings that name one folder; empty means the default folder. */
const folderSettings = ['outputDir', 'userWorkflowsDir'] as const;

/**
 * Why a patch's folder is unusable, in words that say what to give instead; undefined when every folder is an
 * absolute path (or empty, for the default). A relative folder would be resolved against the process's working
 * directory, which for the tray app or a service is nothing the user chose. The command line resolves its
 * relative flags itself, against the shell's directory, before they get here.
 */
export function relativeFolderProblem(
  patch: SettingsPatch,
  platform: Pick<typeof path, 'isAbsolute' | 'join'> = path,
  home: string = homedir(),
): string | undefined {
  const explain = (field: string, value: string, alternative: string) =>
    explainRelative(field, value, platform.join(home, value.trim() || 'Pictures'), alternative);
  for (const key of folderSettings) {
    const value = patch[key];
    if (value && isRelative(value, platform))
      return explain(key, value, 'or leave it empty for the default folder');
  }
  for (const [index, value] of (patch.allowedDirs ?? []).entries()) {
    if (isRelative(value, platform)) return explain(`allowedDirs[${index}]`, value, 'or remove that entry');
  }
  return undefined;
}

const isRelative = (folder: string, platform: Pick<typeof path, 'isAbsolute'> = path) =>
  !platform.isAbsolute(folder);

function explainRelative(field: string, value: string, example: string, alternative: string): string {
  return (
    `${field} must be a full (absolute) path, but "${value}" is relative: it would depend on the folder the ` +
    `bridge happens to run from (${process.cwd()}), not on a folder you chose. Give the full path, such as ` +
    `"${example}", ${alternative}.`
  );
}

/**
 * A stored file with a bad value keeps every good value; the bad ones fall back to defaults, with a warning.
 * A relative folder (a hand-edited file) counts as bad: it is dropped rather than resolved against the cwd.
 */
function readValid(raw: Record<string, unknown>, logger: Logger): Settings {
  const whole = settingsSchema.safeParse(raw);
  if (whole.success) return withoutRelativeFolders(whole.data, logger);
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = settingsSchema.shape[key as keyof Settings];
    if (field && field.safeParse(value).success) kept[key] = value;
    else logger.warn('ignoring an invalid stored setting; using its default', { key });
  }
  return withoutRelativeFolders(settingsSchema.parse(kept), logger);
}

function withoutRelativeFolders(settings: Settings, logger: Logger): Settings {
  const next = { ...settings };
  for (const key of folderSettings) {
    if (!next[key] || !isRelative(next[key])) continue;
    logger.warn('ignoring a stored folder that is not an absolute path; using the default folder', {
      key,
      value: next[key],
    });
    next[key] = '';
  }
  next.allowedDirs = next.allowedDirs.filter((dir) => {
    if (!isRelative(dir)) return true;
    logger.warn('ignoring a stored allowed folder that is not an absolute path', { value: dir });
    return false;
  });
  return next;
}

/** A store kept in memory, for tests and for runs that must not touch the user's settings file. */
export function memoryStore(initial: Record<string, unknown> = {}): KeyValueStore {
  return { store: { ...initial } };
}
