import { useState } from 'react';
import type { EditMode } from '../../../shared/generation.js';
import { comparisonLayout, dividerAfterKey, editModeLabel } from '../state/gallery.js';

/**
 * An edit next to its source. Same sizes: the edit with the source laid over it up to a divider the person drags,
 * or moves with the arrow keys (Home/End, PageUp/PageDown for bigger steps). Different sizes (an upscale, an
 * outpaint), or before the source's size is known: the two side by side. A source that cannot be served (moved,
 * deleted, or no longer inside the allowed folder) is said in words instead.
 */
export function BeforeAfter({
  beforeUrl,
  afterUrl,
  after,
  mode,
  alt,
}: {
  beforeUrl: string;
  afterUrl: string;
  after: { width: number; height: number };
  mode: EditMode;
  alt: string;
}) {
  const [before, setBefore] = useState<{ width: number; height: number }>();
  const [beforeFailed, setBeforeFailed] = useState(false);
  const [divider, setDivider] = useState(50);
  const layout = beforeFailed ? 'side-by-side' : comparisonLayout(before, after);

  const beforeImage = (className: string, style?: React.CSSProperties) => (
    <img
      className={className}
      style={style}
      src={beforeUrl}
      alt={`Before (the source): ${alt}`}
      data-role="before"
      onLoad={(event) =>
        setBefore({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })
      }
      onError={() => setBeforeFailed(true)}
    />
  );
  const afterImage = (className: string) => (
    <img
      className={className}
      src={afterUrl}
      alt={`After (${editModeLabel(mode)}): ${alt}`}
      data-role="after"
    />
  );

  if (layout === 'slider')
    return (
      <div className="compare" data-layout="slider">
        <div className="compare-stage">
          {afterImage('compare-after')}
          {beforeImage('compare-before', { clipPath: `inset(0 ${100 - divider}% 0 0)` })}
          <span className="compare-divider" style={{ left: `${divider}%` }} aria-hidden="true" />
        </div>
        <input
          type="range"
          className="compare-range"
          min={0}
          max={100}
          step={1}
          value={divider}
          aria-label="Before and after: how much of the source shows, from the left"
          aria-valuetext={`${divider}% before`}
          onChange={(event) => setDivider(Number(event.target.value))}
          onKeyDown={(event) => {
            const next = dividerAfterKey(event.key, divider, event.shiftKey);
            if (next === undefined) return;
            event.preventDefault();
            setDivider(next);
          }}
        />
        <p className="compare-legend muted">
          <span>Before</span>
          <span>After</span>
        </p>
      </div>
    );

  return (
    <div className="compare" data-layout="side-by-side">
      <figure>
        {beforeFailed ? (
          <p className="note note-warn">
            The source cannot be shown: it was moved or deleted, or is no longer inside the allowed folder.
          </p>
        ) : (
          beforeImage('lightbox-image')
        )}
        <figcaption className="muted">
          Before{before ? ` · ${before.width} × ${before.height}` : ''}
        </figcaption>
      </figure>
      <figure>
        {afterImage('lightbox-image')}
        <figcaption className="muted">
          After · {after.width} × {after.height}
        </figcaption>
      </figure>
    </div>
  );
}
