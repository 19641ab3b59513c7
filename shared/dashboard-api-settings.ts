/** The dashboard's Settings routes: what it shows and edits, what a flag locked, what needs a restart. */
import { z } from 'zod';
import { settingsSchema } from './settings.js';

/**
 * Settings as the dashboard edits them; the dashboard token is never sent back, and the ComfyUI start command is
 * neither shown nor changeable here: a page holding the dashboard token must not choose which program runs.
 */
export const settingsViewSchema = settingsSchema.omit({ dashboardToken: true, comfyuiStartCommand: true });
export type SettingsView = z.infer<typeof settingsViewSchema>;
type SettingsViewShape = typeof settingsViewSchema.shape;
/**
 * Only the fields sent. (`settingsViewSchema.partial()` would not do: zod fills every absent field that has a
 * default, so a patch of one field would reset all the others.)
 */
export const settingsPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(settingsViewSchema.shape).map(([key, field]) => [key, field.removeDefault().optional()]),
  ) as { [K in keyof SettingsViewShape]: z.ZodOptional<ReturnType<SettingsViewShape[K]['removeDefault']>> },
);
/**
 * Settings a command-line flag or environment variable set for this run, each with the flag or variable
 * (`--comfyui`, `COMFYUI_URL`). Flags win: the dashboard shows them read-only and the API refuses to change them.
 */
export const lockedSettingsSchema = z.partialRecord(
  z.enum(Object.keys(settingsViewSchema.shape) as [keyof SettingsView, ...(keyof SettingsView)[]]),
  z.string(),
);
export type LockedSettingsView = z.infer<typeof lockedSettingsSchema>;
export const folderDefaultsSchema = z.object({ outputDir: z.string(), userWorkflowsDir: z.string() });
export type FolderDefaults = z.infer<typeof folderDefaultsSchema>;
export const settingsResponseSchema = z.object({
  settings: settingsViewSchema,
  /** Changed settings that take effect only after a restart (host, port). */
  restartRequired: z.array(z.string()),
  /** Absent: nothing is locked. */
  locked: lockedSettingsSchema.optional(),
  /** The folder an empty folder setting stands for, shown in its empty field. */
  folderDefaults: folderDefaultsSchema.optional(),
});
