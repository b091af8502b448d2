import { describe, expect, it } from 'vitest';
import { storableText } from '../../shared/privacy/storage-policy.js';

const now = new Date('2026-11-21T00:00:00Z');

describe('storableText', () => {
  it('keeps nothing when the caller set doNotStore', () => {
    expect(
      storableText('call me at +33 6 12 34 56 78', { doNotStore: true, retentionDays: 30 }, now),
    ).toBeNull();
  });

  it('redacts PII and sets the expiry from the retention period', () => {
    const kept = storableText(
      'Write to jane.doe@example.com or +33 6 12 34 56 78',
      { doNotStore: false, retentionDays: 30 },
      now,
    );
    expect(kept?.text).toBe('Write to [EMAIL] or [PHONE]');
    expect(kept?.redactedKinds.sort()).toEqual(['email', 'phone']);
    expect(kept?.expiresAt.toISOString()).toBe('2026-12-21T00:00:00.000Z');
  });
});
