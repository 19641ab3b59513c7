import { useState } from 'react';
import type { ChecklistStepId, ChecklistView as Checklist } from '../../../shared/dashboard-api.js';
import { ApiError } from '../api/errors.js';
import { ErrorNote, Loading } from '../components/Notes.js';
import { useLive, useLiveEvents, useResource } from '../state/live.js';
import { checklistProgress, stepTitles } from '../state/checklist.js';
import { ModelSetup } from './ModelSetup.js';

/*
 * The first-run checklist: four steps that follow the bridge live (the `checklist` event), each saying what to do
 * next while it is not done. The window opens on it until it is finished or dismissed; Status links to it after.
 */

type Step = Checklist['steps'][number];

const problemText = (error: unknown) => (error instanceof ApiError ? error.message : String(error));

function StartComfyui({ view }: { view: Checklist }) {
  const { client } = useLive();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();
  const [busy, setBusy] = useState(false);
  const where = view.comfyuiUrls.join(', ');
  if (!view.canStartComfyui)
    return (
      <>
        <p>
          The bridge looks for ComfyUI at <code>{where}</code>. Start ComfyUI (or ComfyUI Desktop), or check
          the address under <a href="#/settings">Settings</a>. To start it from here, set{' '}
          <code>comfyuiStartCommand</code> in <code>settings.json</code> in the data folder.
        </p>
        <ModelSetup />
      </>
    );
  const start = () => {
    setBusy(true);
    setOutcome(undefined);
    // Clickable again afterwards: a second start while the first still runs is refused with a message, and one
    // that ended (a wrong command) can be tried again.
    client.startComfyui().then(
      (started) => {
        setBusy(false);
        setOutcome({
          ok: true,
          text: `Started (process ${started.pid}); its output goes to ${started.logFile}. Waiting for it to answer at ${where}…`,
        });
      },
      (error: unknown) => {
        setBusy(false);
        setOutcome({ ok: false, text: problemText(error) });
      },
    );
  };
  return (
    <>
      <p>
        The bridge looks for ComfyUI at <code>{where}</code>.
      </p>
      <button type="button" onClick={start} disabled={busy}>
        Start ComfyUI
      </button>
      {outcome ? (
        <p className={`note ${outcome.ok ? '' : 'note-warn'}`} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      ) : null}
    </>
  );
}

function CheckModelsAgain() {
  const { client } = useLive();
  const [checking, setChecking] = useState(false);
  const check = () => {
    setChecking(true);
    // The answer also arrives as a live event when it changed the checklist.
    void client
      .checklist()
      .catch(() => undefined)
      .finally(() => setChecking(false));
  };
  return (
    <p>
      Copied a model into ComfyUI yourself?{' '}
      <button type="button" onClick={check} disabled={checking}>
        Check again
      </button>
    </p>
  );
}

function NextStep({ step, view }: { step: Step; view: Checklist }) {
  const what: Record<ChecklistStepId, () => React.JSX.Element> = {
    comfyui: () => <StartComfyui view={view} />,
    model: () =>
      step.state === 'waiting' ? (
        <p className="muted">Once ComfyUI answers, the bridge checks which models it has.</p>
      ) : (
        <>
          <ModelSetup />
          <CheckModelsAgain />
        </>
      ),
    agent: () => (
      <p>
        Paste your agent&apos;s snippet from <a href="#/connect">Connect an agent</a> where it says, then
        restart the agent (or reload its MCP servers).
      </p>
    ),
    image: () =>
      step.state === 'waiting' ? (
        <p className="muted">Needs a model that runs and a connected agent.</p>
      ) : (
        <p>
          Ask your agent for an image, for example: &ldquo;Generate a hero image for this page with
          generate_image.&rdquo;
        </p>
      ),
  };
  return what[step.id]();
}

function StepItem({ step, view }: { step: Step; view: Checklist }) {
  const label = step.state === 'done' ? 'done' : step.state === 'todo' ? 'to do' : 'waiting';
  return (
    <li
      className="card checklist-step"
      data-state={step.state}
      aria-label={`${stepTitles[step.id]}: ${label}`}
    >
      <h3>
        <span
          className={`dot ${step.state === 'done' ? 'dot-ok' : step.state === 'todo' ? 'dot-bad' : ''}`}
          aria-hidden="true"
        />
        {stepTitles[step.id]} <span className="muted">— {label}</span>
      </h3>
      {step.state === 'done' ? null : <NextStep step={step} view={view} />}
    </li>
  );
}

export function ChecklistView() {
  const { client } = useLive();
  const checklist = useResource((api) => api.checklist());
  const [problem, setProblem] = useState<string>();
  useLiveEvents((event) => {
    if (event.type === 'checklist') checklist.set(() => event.checklist);
  });
  if (checklist.loaded.state === 'loading') return <Loading what="the checklist" />;
  if (checklist.loaded.state === 'error' && checklist.loaded.value === undefined)
    return <ErrorNote error={checklist.loaded.error} what="the checklist" />;
  const view = checklist.loaded.value!;
  const { done, total } = checklistProgress(view);
  const dismiss = () => {
    setProblem(undefined);
    client.dismissChecklist().then(
      () => (window.location.hash = '#/status'),
      (error: unknown) => setProblem(problemText(error)),
    );
  };
  return (
    <section aria-labelledby="checklist-title">
      <h2 id="checklist-title">Get started</h2>
      <p role="status">
        {view.complete ? 'All set: ComfyUI makes images for your agent.' : `${done} of ${total} done.`}
      </p>
      <ol className="cards checklist" aria-label="Checklist">
        {view.steps.map((step) => (
          <StepItem key={step.id} step={step} view={view} />
        ))}
      </ol>
      {view.dismissed ? (
        <p className="muted">Dismissed: the app opens on Status, which links this page.</p>
      ) : (
        <button type="button" onClick={dismiss}>
          {view.complete ? 'Close the checklist' : 'Dismiss the checklist'}
        </button>
      )}
      {problem ? (
        <p className="note note-warn" role="alert">
          {problem}
        </p>
      ) : null}
    </section>
  );
}
