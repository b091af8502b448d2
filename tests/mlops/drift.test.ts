/** Drift statistics: PSI, the two-sample KS test, profiles and their comparison. */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/ml/random.js';
import { compareProfiles, ksTest, type Observation, profileOf, psi } from '../../shared/mlops/drift.js';

const thresholds = { psiWarning: 0.1, psiAlert: 0.25, ksPValue: 0.01, shareDelta: 0.1 };

function observations(
  n: number,
  seed: number,
  shape: (r: () => number) => Partial<Observation> = () => ({}),
): Observation[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => ({
    score: r() ** 2,
    textLength: 20 + Math.floor(r() * 200),
    language: r() < 0.8 ? 'en' : 'fr',
    piiRedacted: r() < 0.05,
    ...shape(r),
  }));
}

describe('psi', () => {
  it('is 0 for identical histograms and grows with the shift', () => {
    expect(psi([10, 20, 30], [1, 2, 3])).toBeCloseTo(0, 10);
    const small = psi([50, 50], [45, 55]);
    const large = psi([50, 50], [10, 90]);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
    // Σ (q − p) ln(q/p) for p = (.5, .5), q = (.1, .9)
    expect(large).toBeCloseTo(-0.4 * Math.log(0.2) + 0.4 * Math.log(1.8), 6);
  });

  it('stays finite when a bin is empty on one side', () => {
    expect(Number.isFinite(psi([0, 10], [10, 0]))).toBe(true);
  });
});

describe('ksTest', () => {
  it('finds no difference between two samples of one distribution', () => {
    const r = mulberry32(1);
    const a = Array.from({ length: 2000 }, () => r());
    const b = Array.from({ length: 2000 }, () => r());
    const { statistic, pValue } = ksTest(a, b);
    expect(statistic).toBeLessThan(0.06);
    expect(pValue).toBeGreaterThan(0.01);
  });

  it('detects a shifted sample with the exact statistic', () => {
    // a uniform on [0,1), b uniform on [0.5,1.5): D = 0.5
    const a = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const b = a.map((x) => x + 0.5);
    const { statistic, pValue } = ksTest(a, b);
    expect(statistic).toBeCloseTo(0.5, 2);
    expect(pValue).toBeLessThan(1e-10);
  });
});

describe('compareProfiles', () => {
  const baseline = profileOf(observations(3000, 7), 0.5);

  it('reports no drift for a sample from the same distribution', () => {
    const { severity, features } = compareProfiles(
      baseline,
      profileOf(observations(3000, 8), 0.5),
      thresholds,
    );
    expect(severity).toBe('none');
    expect(features.map((f) => f.feature)).toEqual([
      'score',
      'predicted_label',
      'text_length',
      'language',
      'pii_share',
    ]);
  });

  it('raises an alert for shifted scores and flags language, length and PII changes', () => {
    const shifted = observations(3000, 9, (r) => ({
      score: 0.6 + 0.4 * r(),
      textLength: 600 + Math.floor(r() * 400),
      language: 'fr',
      piiRedacted: r() < 0.5,
    }));
    const { severity, features } = compareProfiles(baseline, profileOf(shifted, 0.5), thresholds);
    expect(severity).toBe('alert');
    const by = Object.fromEntries(features.map((f) => [f.feature, f]));
    expect(by.score?.severity).toBe('alert');
    expect(by.score?.ks?.statistic).toBeGreaterThan(0.5);
    expect(by.text_length?.severity).toBe('alert');
    expect(by.language?.severity).toBe('alert');
    expect(by.pii_share?.severity).toBe('warning');
    expect(by.pii_share?.delta).toBeGreaterThan(0.4);
  });

  it('profiles bins, shares and a bounded KS sample', () => {
    const p = profileOf(observations(5000, 3), 0.5);
    expect(p.rows).toBe(5000);
    expect(p.scoreBins.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(p.lengthBins.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(p.scoreSample.length).toBe(2000);
    expect([...p.scoreSample].sort((a, b) => a - b)).toEqual(p.scoreSample);
    expect(p.languages.en! + p.languages.fr!).toBeCloseTo(1, 3);
  });
});
