/** An accessible bar for a fraction 0…1. */
export function ProgressBar({ fraction, label, tone }: { fraction: number; label: string; tone?: string }) {
  const percent = Math.round(fraction * 100);
  return (
    <div
      className={`bar ${tone ? `bar-${tone}` : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      <div className="bar-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}
