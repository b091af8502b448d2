/**
 * What may be kept of a request: nothing when the caller set `doNotStore` (Perspective's flag), else
 * text with PII redacted and an expiry date so retention is enforced by the store (TTL).
 */
import { redactPii } from './redact.js';

export interface StoragePolicy {
  /** The caller asked that nothing of the request be stored. */
  doNotStore: boolean;
  /** Days a stored record is kept; sets `expiresAt`. */
  retentionDays: number;
}

export interface StorableText {
  text: string;
  /** Kinds of PII that were removed, for statistics (never the values). */
  redactedKinds: string[];
  expiresAt: Date;
}

/** Null means: store nothing about this text. */
export function storableText(text: string, policy: StoragePolicy, now: Date): StorableText | null {
  if (policy.doNotStore) return null;
  const { text: redacted, spans } = redactPii(text);
  return {
    text: redacted,
    redactedKinds: [...new Set(spans.map((s) => s.kind))],
    expiresAt: new Date(now.getTime() + policy.retentionDays * 86_400_000),
  };
}
