import { checklistProgress, checklistWanted } from '../state/checklist.js';
import { useLiveEvents, useResource } from '../state/live.js';

/** On Status: where the first-run checklist stands, with a link to it; a plain link once finished or dismissed. */
export function ChecklistLink() {
  const checklist = useResource((api) => api.checklist());
  useLiveEvents((event) => {
    if (event.type === 'checklist') checklist.set(() => event.checklist);
  });
  if (checklist.loaded.state !== 'ready') return null;
  const view = checklist.loaded.value;
  if (!checklistWanted(view))
    return (
      <p className="muted">
        <a href="#/checklist">First-run checklist</a>
      </p>
    );
  const { done, total } = checklistProgress(view);
  return (
    <p className="note">
      Getting started: {done} of {total} done. <a href="#/checklist">Open the checklist</a>
    </p>
  );
}
