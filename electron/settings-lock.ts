import type { Settings, SettingsPatch } from '../shared/settings.js';
import { BridgeError } from './errors.js';

/**
 * The settings a command-line flag or an environment variable set for this run, each with the flag or variable
 * (`--comfyui`, `COMFYUI_URL`). They win over the stored value, as the README says, and the dashboard cannot
 * change them while the bridge runs: an edit would silently undo the flag for the rest of the run.
 */
export type LockedSettings = Partial<Record<keyof Settings, string>>;

/**
 * The locked keys a patch would change. A locked key sent with the value in force (a client sending the whole
 * form back) changes nothing and is not counted.
 */
export function lockedChanges(
  patch: SettingsPatch,
  effective: Settings,
  locked: LockedSettings,
): (keyof Settings)[] {
  return (Object.keys(patch) as (keyof Settings)[]).filter(
    (key) => locked[key] !== undefined && JSON.stringify(patch[key]) !== JSON.stringify(effective[key]),
  );
}

/** The patch without the locked keys (whose values, by `lockedChanges`, are those in force). */
export function withoutLocked(patch: SettingsPatch, locked: LockedSettings): SettingsPatch {
  return Object.fromEntries(
    Object.entries(patch).filter(([key]) => locked[key as keyof Settings] === undefined),
  );
}

/** Refusal of an edit to settings a flag or variable set: which ones, by what, and how to change them. */
export function settingLockedError(keys: readonly (keyof Settings)[], locked: LockedSettings): BridgeError {
  const named = keys.map((key) => `${key} (set by ${locked[key]})`).join(', ');
  const by = [...new Set(keys.map((key) => locked[key]))].join(', ');
  return new BridgeError(
    'setting_locked',
    `Not changed: ${named} ${keys.length === 1 ? 'was' : 'were'} given on the command line or in the environment for this run, and those win over the dashboard.`,
    {
      hint: `Change ${by} where the bridge is started, or start it without, to edit ${keys.length === 1 ? 'it' : 'them'} here.`,
    },
  );
}
