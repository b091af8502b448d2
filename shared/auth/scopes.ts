/** Scopes carried by tokens and API keys; `admin` implies every other scope. */

export const SCOPES = [
  'admin',
  'metrics:read',
  'toxicity:analyze',
  'hate-speech:analyze',
  'images:analyze',
  'deepfake:analyze',
  'feedback:write',
  'models:manage',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

export function hasScopes(granted: ReadonlySet<string>, required: readonly string[]): boolean {
  return granted.has('admin') || required.every((s) => granted.has(s));
}

/** Who is calling, once authenticated. */
export interface Principal {
  kind: 'user' | 'api_key' | 'anonymous';
  /** Username, API key id, or 'anonymous' when auth is explicitly disabled. */
  subject: string;
  scopes: ReadonlySet<string>;
  /** Per-key override of the default rate limit (requests per minute). */
  rateLimitPerMinute?: number | null;
}
