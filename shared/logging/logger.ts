/**
 * Structured logger writing Cloud Logging JSON lines. It only accepts scalar fields, drops fields whose
 * names suggest payloads or secrets, and caps string length, so request bodies cannot reach the log.
 */

export type LogSeverity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Record<string, LogValue>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields & { err?: never }, err?: unknown): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogSeverity, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 };

/** Field names that would carry user content or credentials; their values are never written. */
const FORBIDDEN_FIELD =
  /^(text|body|comment|content|comments?|input|prompt|image|images|payload|password|secret|token|access_token|authorization|cookie|api_?key|key|data)$/i;
const MAX_STRING = 200;

export interface LoggerOptions {
  level?: LogSeverity;
  /** Where lines go; defaults to stdout. */
  write?: (line: string) => void;
  base?: LogFields;
  /** GCP project, used to build the `logging.googleapis.com/trace` field. */
  projectId?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = RANK[options.level ?? 'INFO'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return build(options.base ?? {});

  function build(base: LogFields): Logger {
    const emit = (severity: LogSeverity, message: string, fields?: LogFields, err?: unknown) => {
      if (RANK[severity] < min) return;
      const entry: Record<string, unknown> = {
        severity,
        time: new Date().toISOString(),
        message: clip(message),
      };
      for (const [k, v] of Object.entries({ ...base, ...fields })) {
        if (v === undefined) continue;
        entry[k] = FORBIDDEN_FIELD.test(k) ? '[withheld]' : typeof v === 'string' ? clip(v) : v;
      }
      const trace = entry.traceId;
      if (typeof trace === 'string' && options.projectId) {
        entry['logging.googleapis.com/trace'] = `projects/${options.projectId}/traces/${trace}`;
      }
      if (err !== undefined) entry.error = describeError(err);
      write(JSON.stringify(entry));
    };
    return {
      debug: (m, f) => emit('DEBUG', m, f),
      info: (m, f) => emit('INFO', m, f),
      warn: (m, f) => emit('WARNING', m, f),
      error: (m, f, e) => emit('ERROR', m, f, e),
      child: (fields) => build({ ...base, ...fields }),
    };
  }
}

function clip(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…` : s;
}

/** Error name, message and the first stack frames; messages of our own errors never hold request content. */
function describeError(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof Error) {
    return {
      name: err.name,
      message: clip(err.message),
      ...(err.stack ? { stack: err.stack.split('\n').slice(0, 6).join('\n') } : {}),
    };
  }
  return { name: 'NonError', message: clip(String(err)) };
}

/** A logger that keeps lines in memory, for tests. */
export function createMemoryLogger(
  level: LogSeverity = 'DEBUG',
): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(JSON.parse(line)) });
  return Object.assign(logger, { lines });
}
