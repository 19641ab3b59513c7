import type { StatusView } from '../../../shared/dashboard-api.js';

export type ConnectionSummary = 'connected' | 'partial' | 'unreachable' | 'none';

/** The header's one-word answer to "can images be made right now?". */
export function summarizeConnection(status: StatusView): ConnectionSummary {
  const reachable = status.backends.filter((backend) => backend.reachable).length;
  if (status.backends.length === 0) return 'none';
  if (reachable === 0) return 'unreachable';
  return reachable === status.backends.length ? 'connected' : 'partial';
}

export const connectionLabels: Record<ConnectionSummary, string> = {
  connected: 'ComfyUI connected',
  partial: 'Some ComfyUI servers unreachable',
  unreachable: 'ComfyUI not reachable',
  none: 'No ComfyUI configured',
};

/**
 * "14:05:09" in local time. Not toLocaleTimeString: the first Intl call of a page loads the locale's data,
 * which took about 100 ms of the dashboard's start here, and the Status view is the page it starts on.
 */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** "7.6 GB" — VRAM and file sizes as people read them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A model file's size for the download offer: exact from the sidecar's bytes, else its rough figure. */
export function modelFileSize(file: { bytes?: number; approxGb?: number }): string {
  if (file.bytes !== undefined) return formatBytes(file.bytes);
  return file.approxGb !== undefined ? `about ${file.approxGb} GB` : 'size unknown';
}
