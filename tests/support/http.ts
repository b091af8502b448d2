/** Calls a function's app in process (no port): JSON, raw or form bodies, parsed JSON replies. */
import type { FetchApp } from '../../shared/runtime/function.js';

export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Send {
  method?: string;
  json?: unknown;
  /** A body sent as is with a JSON content type (malformed JSON tests). */
  raw?: string;
  form?: Record<string, string>;
  /** A multipart body (its boundary header is set by the Request). */
  multipart?: FormData;
  /** A raw body sent with the given content type (image uploads). */
  binary?: { bytes: Uint8Array; type: string };
  headers?: Record<string, string>;
}

export async function send<T = unknown>(app: FetchApp, path: string, init: Send = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...init.headers };
  let body: BodyInit | undefined;
  if (init.multipart) {
    body = init.multipart;
  } else if (init.binary) {
    body = new Uint8Array(init.binary.bytes);
    headers['Content-Type'] = init.binary.type;
  } else if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (init.json !== undefined || init.raw !== undefined) {
    body = init.raw ?? JSON.stringify(init.json);
    headers['Content-Type'] = 'application/json';
  }
  const method = init.method ?? (body === undefined ? 'GET' : 'POST');
  const res = await app.fetch(new Request(`http://local${path}`, { method, headers, body }));
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.includes('application/json') ?? false;
  return { status: res.status, headers: res.headers, body: (isJson ? JSON.parse(text) : text) as T };
}

export const sortedKeys = (o: object) => Object.keys(o).sort();
