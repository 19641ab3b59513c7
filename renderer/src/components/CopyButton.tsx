import { useState } from 'react';

/** Copies `text`; where the clipboard is not available, says how to copy by hand. */
export function CopyButton({
  text,
  label,
  caption = 'Copy',
}: {
  text: string;
  label: string;
  caption?: string;
}) {
  const [result, setResult] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = () => {
    // navigator.clipboard is missing outside secure contexts (a LAN address over http): that lands in `failed`.
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(text))
      .then(
        () => setResult('copied'),
        () => setResult('failed'),
      );
  };
  return (
    <span className="copy">
      <button type="button" onClick={copy} aria-label={label}>
        {result === 'copied' ? 'Copied' : caption}
      </button>
      <span role="status" className="muted">
        {result === 'failed' ? 'The clipboard is not available here: select the text and press Ctrl+C.' : ''}
      </span>
    </span>
  );
}
