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
  const sink: Sink = {
    min: RANK[options.level ?? 'INFO'],
    write: options.write ?? ((line: string) => process.stdout.write(`${line}\n`)),
    projectId: options.projectId,
  };
  return new StructuredLogger(sink, options.base ?? {});
}

interface Sink {
  min: number;
  write: (line: string) => void;
  projectId: string | undefined;
}

/** A class, not closures: every request makes a child, and most never log a line. */
class StructuredLogger implements Logger {
  constructor(
    private readonly sink: Sink,
    private readonly base: LogFields,
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.emit('DEBUG', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.emit('INFO', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.emit('WARNING', message, fields);
  }
  error(message: string, fields?: LogFields, err?: unknown): void {
    this.emit('ERROR', message, fields, err);
  }
  child(fields: LogFields): Logger {
    return new StructuredLogger(this.sink, { ...this.base, ...fields });
  }

  private emit(severity: LogSeverity, message: string, fields?: LogFields, err?: unknown): void {
    if (RANK[severity] < this.sink.min) return;
    const entry: Record<string, unknown> = {
      severity,
      time: new Date().toISOString(),
      message: clip(message),
    };
    for (const [k, v] of Object.entries({ ...this.base, ...fields })) {
      if (v === undefined) continue;
      entry[k] = FORBIDDEN_FIELD.test(k) ? '[withheld]' : typeof v === 'string' ? clip(v) : v;
    }
    const trace = entry.traceId;
    if (typeof trace === 'string' && this.sink.projectId) {
      entry['logging.googleapis.com/trace'] = `projects/${this.sink.projectId}/traces/${trace}`;
    }
    if (err !== undefined) entry.error = describeError(err);
    this.sink.write(JSON.stringify(entry));
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
