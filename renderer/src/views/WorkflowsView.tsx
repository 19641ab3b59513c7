import { useState } from 'react';
import type { WorkflowView } from '../../../shared/dashboard-api.js';
import { adviceFor } from '../api/errors.js';
import { CodeText } from '../components/CodeText.js';
import { ErrorNote, Loading } from '../components/Notes.js';
import { useLive, useLiveEvents, useResource } from '../state/live.js';

function Workflow({
  workflow,
  isDefault,
  onMakeDefault,
}: {
  workflow: WorkflowView;
  isDefault: boolean;
  /** Absent while a flag chose the default for this run. */
  onMakeDefault: ((id: string) => void) | undefined;
}) {
  const titleId = `workflow-${workflow.id}`;
  return (
    <li
      className="card workflow"
      aria-labelledby={titleId}
      data-id={workflow.id}
      data-status={workflow.status}
    >
      <header className="workflow-head">
        <h3 id={titleId}>
          {workflow.title} <code className="muted">{workflow.id}</code>
        </h3>
        <span className={`badge badge-${workflow.source}`}>
          {workflow.source === 'bundled' ? 'Bundled' : 'Yours'}
        </span>
        {isDefault ? (
          <span className="badge badge-default">Default</span>
        ) : workflow.status === 'ok' && onMakeDefault ? (
          <button
            type="button"
            onClick={() => onMakeDefault(workflow.id)}
            aria-label={`Make ${workflow.title} the default`}
          >
            Make default
          </button>
        ) : null}
      </header>
      {workflow.description ? <p>{workflow.description}</p> : null}
      {workflow.status === 'error' ? (
        <p className="note note-error" role="alert">
          This file cannot be used: {workflow.error}. Export it from ComfyUI with “Export (API)” and save it
          again.
        </p>
      ) : null}
      {workflow.overridesBundled ? (
        <p className="muted">Replaces the bundled workflow “{workflow.overridesBundled}”.</p>
      ) : null}
      <p className="muted">
        <code>{workflow.file}</code>
        {workflow.family ? ` · ${workflow.family}` : ''}
      </p>
      {workflow.parameters.length > 0 ? (
        <div>
          <h4>Parameters</h4>
          <ul className="chips" aria-label={`Parameters of ${workflow.title}`}>
            {workflow.parameters.map((parameter) => (
              <li
                key={`${parameter.name}-${parameter.nodeId}-${parameter.input}`}
                className="chip"
                title={`${parameter.classType} node ${parameter.nodeId}, input “${parameter.input}” (${parameter.source === 'placeholder' ? 'placeholder' : 'detected'})`}
              >
                {parameter.name}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {workflow.models.length > 0 ? (
        <p>
          Needs:{' '}
          {workflow.models.map((model) => (
            <span key={model.file}>
              <code className="model">
                {model.folder ? `${model.folder}/` : ''}
                {model.file}
              </code>
              {model.url ? (
                <>
                  {' '}
                  (<a href={model.url}>download</a>)
                </>
              ) : null}{' '}
            </span>
          ))}
        </p>
      ) : null}
      {workflow.notes.length > 0 ? (
        <ul className="notes">
          {workflow.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
      {workflow.validation.length > 0 ? (
        <ul className="validation" aria-label={`Where ${workflow.title} runs`}>
          {workflow.validation.map((check) => (
            <li key={check.backend} data-runnable={check.runnable}>
              <span className={`dot ${check.runnable ? 'dot-ok' : 'dot-bad'}`} aria-hidden="true" />
              {check.runnable ? 'Runs on ' : 'Cannot run on '}
              <code>{check.backend}</code>
              <ValidationMessages messages={check.messages} />
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Not checked yet: no ComfyUI is reachable to check it against.</p>
      )}
    </li>
  );
}

/** What a backend lacks: one reason inline, several (a missing file per loader node) one per line. */
function ValidationMessages({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  if (messages.length === 1) return <>: {messages[0]}</>;
  return (
    <>
      :
      <ul className="validation-messages">
        {messages.map((message) => (
          <li key={message}>{message}</li>
        ))}
      </ul>
    </>
  );
}

export function WorkflowsView() {
  const { client } = useLive();
  const { loaded, reload } = useResource((api) => api.workflows());
  const [problem, setProblem] = useState<string>();
  useLiveEvents((event) => {
    // A default chosen elsewhere (or here) arrives as settings; files added or changed arrive as workflows.
    if (event.type === 'workflows' || event.type === 'settings') reload();
  });

  const makeDefault = (id: string) => {
    setProblem(undefined);
    client
      .updateSettings({ defaultWorkflow: id })
      .then(reload, (error: unknown) => setProblem(adviceFor(error)));
  };

  if (loaded.state === 'loading') return <Loading what="workflows" />;
  if (loaded.state === 'error') return <ErrorNote error={loaded.error} what="the workflows" />;
  const list = loaded.value;
  const user = list.workflows.filter((workflow) => workflow.source === 'user');
  return (
    <section aria-labelledby="workflows-title">
      <h2 id="workflows-title">Workflows</h2>
      <p>
        Default: <strong>{list.defaultId ?? 'none'}</strong>{' '}
        <span className="muted">— {list.defaultReason}</span>
      </p>
      {list.defaultLockedBy !== undefined ? (
        <p className="muted">
          Set by <code>{list.defaultLockedBy}</code> for this run: flags win over the dashboard. Change it
          where the bridge is started.
        </p>
      ) : null}
      <p className="muted">
        Add your own: export a workflow from ComfyUI with “Export (API)” into <code>{list.userFolder}</code>.
        It appears here at once; mark inputs with <code>{'{{prompt}}'}</code>, <code>{'{{width}}'}</code>… or
        let the bridge detect them.
      </p>
      {problem ? (
        <p role="alert" className="note note-error">
          <CodeText text={problem} />
        </p>
      ) : null}
      {user.length === 0 ? <p className="muted">You have not added workflows of your own yet.</p> : null}
      <ul className="cards" aria-label="Workflows">
        {list.workflows.map((workflow) => (
          <Workflow
            key={`${workflow.source}-${workflow.id}`}
            workflow={workflow}
            isDefault={workflow.id === list.defaultId}
            onMakeDefault={list.defaultLockedBy === undefined ? makeDefault : undefined}
          />
        ))}
      </ul>
    </section>
  );
}
