import {
  settingsPatchSchema,
  type LockedSettingsView,
  type SettingsView,
} from '../../../shared/dashboard-api.js';

/** The settings form as typed: lists are one entry per line, numbers are text until saved. */
export interface SettingsDraft {
  comfyuiUrls: string;
  outputDir: string;
  allowedDirs: string;
  userWorkflowsDir: string;
  host: string;
  port: string;
  mcpToken: string;
  defaultWaitSeconds: string;
}

export type DraftErrors = Partial<Record<keyof SettingsDraft, string>>;

export function draftFrom(settings: SettingsView): SettingsDraft {
  return {
    comfyuiUrls: settings.comfyuiUrls.join('\n'),
    outputDir: settings.outputDir,
    allowedDirs: settings.allowedDirs.join('\n'),
    userWorkflowsDir: settings.userWorkflowsDir,
    host: settings.host,
    port: String(settings.port),
    mcpToken: settings.mcpToken,
    defaultWaitSeconds: String(settings.defaultWaitSeconds),
  };
}

function lines(text: string): string[] {
  return text
    .split(/\r?\n/u)
    .map((line) => line.trim())
    .filter(Boolean);
}

function wholeNumber(text: string): number | undefined {
  return /^\d+$/u.test(text.trim()) ? Number(text.trim()) : undefined;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** What the form says under a field a flag or variable set for this run (it is read-only then). */
export function lockedHelp(source: string): string {
  return `Set by ${source} for this run: flags win over the dashboard. Change it where the bridge is started.`;
}

/**
 * The PATCH body for what changed between the saved settings and the draft, or the reasons it cannot be saved
 * (per field, in words that say what to type instead). Fields a flag set (`locked`) are never sent: the form
 * normalises what it reads (a URL's trailing slash), which must not turn into an edit the bridge refuses.
 */
export function patchFrom(
  saved: SettingsView,
  draft: SettingsDraft,
  locked: LockedSettingsView = {},
): { patch: Partial<SettingsView>; errors: DraftErrors } {
  const result = draftPatch(saved, draft);
  for (const key of Object.keys(locked) as (keyof SettingsView)[]) {
    delete result.patch[key];
    delete result.errors[key as keyof SettingsDraft];
  }
  return result;
}

function draftPatch(
  saved: SettingsView,
  draft: SettingsDraft,
): { patch: Partial<SettingsView>; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const patch: Partial<SettingsView> = {};

  const urls = lines(draft.comfyuiUrls).map((url) => url.replace(/\/+$/u, ''));
  const badUrl = urls.find((url) => !/^https?:\/\/[^/\s]+/u.test(url) || !URL.canParse(url));
  if (badUrl !== undefined)
    errors.comfyuiUrls = `"${badUrl}" is not a ComfyUI address; write it like http://127.0.0.1:8188`;
  else if (urls.length > 16) errors.comfyuiUrls = 'At most 16 ComfyUI servers.';
  else if (!sameList(urls, saved.comfyuiUrls)) patch.comfyuiUrls = urls;

  const port = wholeNumber(draft.port);
  if (port === undefined || port > 65535)
    errors.port = 'A port is a whole number from 0 to 65535 (0 = any free port).';
  else if (port !== saved.port) patch.port = port;

  const wait = wholeNumber(draft.defaultWaitSeconds);
  if (wait === undefined || wait > 300) errors.defaultWaitSeconds = 'Seconds from 0 to 300.';
  else if (wait !== saved.defaultWaitSeconds) patch.defaultWaitSeconds = wait;

  const allowed = lines(draft.allowedDirs);
  if (!sameList(allowed, saved.allowedDirs)) patch.allowedDirs = allowed;

  if (draft.host.trim() === '') errors.host = 'Give an address to listen on, e.g. 127.0.0.1.';
  for (const key of ['outputDir', 'userWorkflowsDir', 'host', 'mcpToken'] as const) {
    const value = draft[key].trim();
    if (!errors[key] && value !== saved[key]) patch[key] = value;
  }

  // The contract has the last word; anything it refuses that the checks above let through is still reported.
  if (Object.keys(errors).length === 0) {
    const checked = settingsPatchSchema.safeParse(patch);
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        const field = String(issue.path[0]) as keyof SettingsDraft;
        errors[field] ??= issue.message;
      }
    }
  }
  return { patch, errors };
}
