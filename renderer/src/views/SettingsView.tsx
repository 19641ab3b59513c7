import { useState, type ReactNode } from 'react';
import type {
  FolderDefaults,
  LockedSettingsView,
  SettingsView as Settings,
} from '../../../shared/dashboard-api.js';
import { adviceFor } from '../api/errors.js';
import { CodeText } from '../components/CodeText.js';
import { ErrorNote, Loading } from '../components/Notes.js';
import { useLive, useLiveEvents, useResource } from '../state/live.js';
import {
  draftFrom,
  lockedHelp,
  patchFrom,
  type DraftErrors,
  type SettingsDraft,
} from '../state/settings-form.js';

interface FieldProps {
  id: string;
  'aria-describedby': string;
  'aria-invalid': boolean;
  /** A flag or variable set it for this run: shown, not editable. */
  readOnly: boolean;
}

function Field({
  name,
  label,
  help,
  errors,
  locked,
  children,
}: {
  name: keyof SettingsDraft;
  label: string;
  help: ReactNode;
  errors: DraftErrors;
  locked: LockedSettingsView;
  children: (props: FieldProps) => ReactNode;
}) {
  const id = `setting-${name}`;
  const error = errors[name];
  const lockedBy = locked[name];
  return (
    <div className="field" data-locked={lockedBy !== undefined}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        'aria-describedby': `${id}-help`,
        'aria-invalid': error !== undefined,
        readOnly: lockedBy !== undefined,
      })}
      <p id={`${id}-help`} className={error ? 'field-error' : 'muted'}>
        {error ?? (lockedBy !== undefined ? lockedHelp(lockedBy) : help)}
      </p>
    </div>
  );
}

function SettingsForm({
  saved,
  locked,
  folderDefaults,
  onSaved,
  message,
  setMessage,
}: {
  saved: Settings;
  locked: LockedSettingsView;
  /** Shown in an empty folder field: the folder it stands for. */
  folderDefaults: FolderDefaults | undefined;
  onSaved: (settings: Settings, restart: string[]) => void;
  message: string | undefined;
  setMessage: (message: string | undefined) => void;
}) {
  const { client } = useLive();
  const [draft, setDraft] = useState(() => draftFrom(saved));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string>();

  const edit =
    (key: keyof SettingsDraft) => (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      setDraft((current) => ({ ...current, [key]: event.target.value }));

  const save = (event: React.FormEvent) => {
    event.preventDefault();
    const { patch, errors: found } = patchFrom(saved, draft, locked);
    setErrors(found);
    setProblem(undefined);
    setMessage(undefined);
    if (Object.keys(found).length > 0) return;
    if (Object.keys(patch).length === 0) {
      setMessage('Nothing changed.');
      return;
    }
    setSaving(true);
    client.updateSettings(patch).then(
      (result) => {
        setSaving(false);
        setMessage(
          result.restartRequired.length > 0
            ? `Saved. Restart the bridge for ${result.restartRequired.join(', ')} to take effect; everything else applies now.`
            : 'Saved; in effect now.',
        );
        onSaved(result.settings, result.restartRequired);
      },
      (error: unknown) => {
        setSaving(false);
        setProblem(adviceFor(error));
      },
    );
  };

  return (
    <form onSubmit={save} aria-labelledby="settings-title" noValidate>
      <Field
        name="comfyuiUrls"
        label="ComfyUI servers"
        errors={errors}
        locked={locked}
        help="One address per line; several share the work. Empty: find a local ComfyUI on 8188, then ComfyUI Desktop on 8000."
      >
        {(props) => (
          <textarea
            {...props}
            rows={3}
            value={draft.comfyuiUrls}
            onChange={edit('comfyuiUrls')}
            spellCheck={false}
          />
        )}
      </Field>
      <Field
        name="outputDir"
        label="Output folder"
        errors={errors}
        locked={locked}
        help="Where images go when an agent gives no folder."
      >
        {(props) => (
          <input
            {...props}
            value={draft.outputDir}
            onChange={edit('outputDir')}
            placeholder={folderDefaults?.outputDir}
            spellCheck={false}
          />
        )}
      </Field>
      <Field
        name="allowedDirs"
        label="Allowed folders"
        errors={errors}
        locked={locked}
        help="Extra folders agents may save into, one per line (their projects are allowed already)."
      >
        {(props) => (
          <textarea
            {...props}
            rows={3}
            value={draft.allowedDirs}
            onChange={edit('allowedDirs')}
            spellCheck={false}
          />
        )}
      </Field>
      <Field
        name="userWorkflowsDir"
        label="Your workflows folder"
        errors={errors}
        locked={locked}
        help="Watched for API-format workflow files."
      >
        {(props) => (
          <input
            {...props}
            value={draft.userWorkflowsDir}
            onChange={edit('userWorkflowsDir')}
            placeholder={folderDefaults?.userWorkflowsDir}
            spellCheck={false}
          />
        )}
      </Field>
      <div className="field-row">
        <Field
          name="host"
          label="Address"
          errors={errors}
          locked={locked}
          help="127.0.0.1 keeps the bridge to this machine."
        >
          {(props) => <input {...props} value={draft.host} onChange={edit('host')} spellCheck={false} />}
        </Field>
        <Field name="port" label="Port" errors={errors} locked={locked} help="Takes effect after a restart.">
          {(props) => <input {...props} inputMode="numeric" value={draft.port} onChange={edit('port')} />}
        </Field>
        <Field
          name="defaultWaitSeconds"
          label="Default wait (seconds)"
          errors={errors}
          locked={locked}
          help="How long generate_image waits before answering “running”."
        >
          {(props) => (
            <input
              {...props}
              inputMode="numeric"
              value={draft.defaultWaitSeconds}
              onChange={edit('defaultWaitSeconds')}
            />
          )}
        </Field>
      </div>
      <Field
        name="mcpToken"
        label="MCP access token"
        errors={errors}
        locked={locked}
        help="Agents send it as “Authorization: Bearer …” (the Connect view’s snippets include it), on 127.0.0.1 too. Empty: a new one is generated at the next start."
      >
        {(props) => (
          <input
            {...props}
            value={draft.mcpToken}
            onChange={edit('mcpToken')}
            autoComplete="off"
            spellCheck={false}
          />
        )}
      </Field>
      {problem ? (
        <p role="alert" className="note note-error">
          <CodeText text={problem} />
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={() => setDraft(draftFrom(saved))} disabled={saving}>
          Undo changes
        </button>
        <span role="status" className="muted">
          {message ?? ''}
        </span>
      </div>
    </form>
  );
}

export function SettingsView() {
  const { loaded, set } = useResource((client) => client.settings());
  const [message, setMessage] = useState<string>();
  useLiveEvents((event) => {
    if (event.type !== 'settings') return;
    set((current) =>
      JSON.stringify(current.settings) === JSON.stringify(event.settings)
        ? current
        : { ...current, settings: event.settings },
    );
  });

  if (loaded.state === 'loading') return <Loading what="settings" />;
  if (loaded.state === 'error') return <ErrorNote error={loaded.error} what="the settings" />;
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      {/* The form starts over from the saved settings whenever they change (here or elsewhere). */}
      <SettingsForm
        key={JSON.stringify(loaded.value.settings)}
        saved={loaded.value.settings}
        locked={loaded.value.locked ?? {}}
        folderDefaults={loaded.value.folderDefaults}
        onSaved={(settings, restartRequired) => set((current) => ({ ...current, settings, restartRequired }))}
        message={message}
        setMessage={setMessage}
      />
    </section>
  );
}
