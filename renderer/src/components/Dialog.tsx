import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A modal dialog: focus moves in when it opens and back where it was when it closes, Escape closes it, and Tab
 * stays inside while it is open.
 */
export function Dialog({
  title,
  onClose,
  children,
  className,
  onKey,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** Keys other than Escape and Tab, seen first by the focused element (which may take them). */
  onKey?: (event: React.KeyboardEvent) => void;
}) {
  const titleId = useId();
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    // The marked control first, wherever it stands (a disabled Previous button ahead of it cannot take focus).
    const first =
      panel.current?.querySelector<HTMLElement>('[data-autofocus]') ??
      panel.current?.querySelector<HTMLElement>('button:not(:disabled), [href], input');
    first?.focus();
    return () => previous?.focus();
  }, []);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onClose();
      return;
    }
    if (event.key !== 'Tab') {
      onKey?.(event);
      return;
    }
    if (!panel.current) return;
    const focusable = [
      ...panel.current.querySelectorAll<HTMLElement>('button, [href], input, textarea, select'),
    ];
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <div className="backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className={`dialog ${className ?? ''}`}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>
  );
}
