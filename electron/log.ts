import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  /** Appended to as well as stderr. Never stdout: stdout belongs to JSON-RPC in stdio mode. */
  file?: string;
  /** Defaults to process.stderr; tests pass a sink to read what was logged. */
  sink?: (line: string) => void;
  scope?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = rank[options.level ?? 'info'];
  const sink = options.sink ?? ((line: string) => process.stderr.write(line));
  if (options.file) mkdirSync(dirname(options.file), { recursive: true, mode: PRIVATE_DIR_MODE });
  const file = options.file;

  const make = (scope: string | undefined): Logger => {
    const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
      if (rank[level] < threshold) return;
      const extra = fields ? ' ' + safeJson(fields) : '';
      const line = `${new Date().toISOString()} ${level.toUpperCase()}${scope ? ` [${scope}]` : ''} ${message}${extra}\n`;
      sink(line);
      if (file) {
        try {
          appendFileSync(file, line, { mode: PRIVATE_FILE_MODE });
        } catch {
          // A log file we cannot write must never take the bridge down; stderr still has the line.
        }
      }
    };
    return {
      debug: (m, f) => write('debug', m, f),
      info: (m, f) => write('info', m, f),
      warn: (m, f) => write('warn', m, f),
      error: (m, f) => write('error', m, f),
      child: (child) => make(scope ? `${scope}/${child}` : child),
    };
  };
  return make(options.scope);
}

/** A logger that drops everything; for tests that do not read logs. */
export const silentLogger: Logger = createLogger({ sink: () => undefined, level: 'error' });

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) =>
      v instanceof Error ? { name: v.name, message: v.message } : v,
    );
  } catch {
    return '[unserialisable]';
  }
}
