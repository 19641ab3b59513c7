import { adviceFor } from '../api/errors.js';
import { CodeText } from './CodeText.js';

/** An error shown as what to do about it. */
export function ErrorNote({ error, what }: { error: unknown; what: string }) {
  return (
    <div role="alert" className="note note-error">
      <strong>Could not load {what}.</strong> <CodeText text={adviceFor(error)} />
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}
