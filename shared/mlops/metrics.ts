/** MLOps series on the process's one Prometheus registry: champion versions and the latest drift figures. */
import { Gauge } from 'prom-client';
import type { Metrics } from '../http/metrics.js';
import type { DriftSummary } from './drift-check.js';

export interface MlopsGauges {
  modelInfo: Gauge<'function' | 'model' | 'version'>;
  driftPsi: Gauge<'model' | 'feature'>;
  driftKs: Gauge<'model'>;
  driftSeverity: Gauge<'model'>;
  driftCheckedAt: Gauge<'model'>;
}

const cache = new WeakMap<Metrics, MlopsGauges>();

/** Registers the gauges once per registry (several functions share one registry in local mode). */
export function mlopsGauges(metrics: Metrics): MlopsGauges {
  let gauges = cache.get(metrics);
  if (gauges) return gauges;
  const registers = [metrics.registry];
  gauges = {
    modelInfo: new Gauge({
      name: 'vigil_model_info',
      help: 'Champion model version served (1 = serving)',
      labelNames: ['function', 'model', 'version'],
      registers,
    }),
    driftPsi: new Gauge({
      name: 'vigil_drift_psi',
      help: 'Population stability index of the latest drift check, per feature',
      labelNames: ['model', 'feature'],
      registers,
    }),
    driftKs: new Gauge({
      name: 'vigil_drift_ks_statistic',
      help: 'Kolmogorov-Smirnov statistic of the score distribution in the latest drift check',
      labelNames: ['model'],
      registers,
    }),
    driftSeverity: new Gauge({
      name: 'vigil_drift_severity',
      help: 'Latest drift check: 0 none, 1 warning, 2 alert',
      labelNames: ['model'],
      registers,
    }),
    driftCheckedAt: new Gauge({
      name: 'vigil_drift_checked_timestamp_seconds',
      help: 'When the latest drift check ran',
      labelNames: ['model'],
      registers,
    }),
  };
  cache.set(metrics, gauges);
  return gauges;
}

const SEVERITY = { none: 0, warning: 1, alert: 2, insufficient_data: 0, no_baseline: 0 } as const;

export function setDriftGauges(metrics: Metrics, summary: DriftSummary): void {
  const g = mlopsGauges(metrics);
  g.driftSeverity.set({ model: summary.model }, SEVERITY[summary.status]);
  g.driftCheckedAt.set({ model: summary.model }, summary.createdAt.getTime() / 1000);
  for (const f of summary.features) {
    if (f.psi !== null) g.driftPsi.set({ model: summary.model, feature: f.feature }, f.psi);
    if (f.ks) g.driftKs.set({ model: summary.model }, f.ks.statistic);
  }
}

/** One series per (function, model) showing the served version; the replaced version's series is removed. */
export function setModelInfo(
  metrics: Metrics,
  fn: string,
  model: string,
  version: string,
  previous: string | null,
): void {
  const g = mlopsGauges(metrics);
  if (previous && previous !== version) g.modelInfo.remove({ function: fn, model, version: previous });
  g.modelInfo.set({ function: fn, model, version }, 1);
}
