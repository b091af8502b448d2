/** The one Prometheus registry: HTTP request metrics and a prediction-metrics helper for detectors. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'function' | 'method' | 'route' | 'status'>;
  httpDuration: Histogram<'function' | 'method' | 'route' | 'status'>;
  httpInFlight: Gauge<'function'>;
  predictions: Counter<'function' | 'model' | 'label' | 'confidence_bucket'>;
  predictionConfidence: Histogram<'function' | 'model'>;
  inferenceDuration: Histogram<'function' | 'model'>;
  predictionErrors: Counter<'function' | 'model' | 'kind'>;
  /** User feedback on predictions: agreement rate = agree / (agree + disagree). */
  feedback: Counter<'function' | 'model' | 'agreement'>;
  /** Writes made behind the response (prediction history) that failed: nobody else hears of them. */
  backgroundWriteFailures: Counter<'function' | 'collection'>;
}

/** Creates the process's registry once; every function in the process labels its series with `function`. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'vigil_process_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'vigil_http_requests_total',
      help: 'HTTP requests by function, method, route pattern and status',
      labelNames: ['function', 'method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'HTTP request latency in seconds',
      labelNames: ['function', 'method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    httpInFlight: new Gauge({
      name: 'vigil_http_requests_in_progress',
      help: 'HTTP requests being served',
      labelNames: ['function'],
      registers,
    }),
    predictions: new Counter({
      name: 'vigil_predictions_total',
      help: 'Predictions by model, predicted label and confidence bucket',
      labelNames: ['function', 'model', 'label', 'confidence_bucket'],
      registers,
    }),
    predictionConfidence: new Histogram({
      name: 'vigil_prediction_confidence',
      help: 'Distribution of the confidence of predictions (a drift signal)',
      labelNames: ['function', 'model'],
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
      registers,
    }),
    inferenceDuration: new Histogram({
      name: 'vigil_inference_duration_seconds',
      help: 'Model inference latency in seconds',
      labelNames: ['function', 'model'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    predictionErrors: new Counter({
      name: 'vigil_prediction_errors_total',
      help: 'Prediction failures by kind (model_load, input, timeout, internal)',
      labelNames: ['function', 'model', 'kind'],
      registers,
    }),
    feedback: new Counter({
      name: 'vigil_feedback_total',
      help: 'Feedback received on predictions, by whether the user agreed with the model',
      labelNames: ['function', 'model', 'agreement'],
      registers,
    }),
    backgroundWriteFailures: new Counter({
      name: 'vigil_background_write_failures_total',
      help: 'Writes made behind the response (prediction history) that failed',
      labelNames: ['function', 'collection'],
      registers,
    }),
  };
}

/** Buckets confidence into low (<0.6), medium (<0.8), high (<0.95) and very_high, matching the seeds' bands. */
export function confidenceBucket(confidence: number): 'low' | 'medium' | 'high' | 'very_high' {
  if (confidence < 0.6) return 'low';
  if (confidence < 0.8) return 'medium';
  if (confidence < 0.95) return 'high';
  return 'very_high';
}

export interface PredictionRecord {
  model: string;
  label: string;
  confidence: number;
  durationSeconds: number;
}

/** Records one prediction on the shared series; detectors call this once per scored item. */
export function recordPrediction(metrics: Metrics, fn: string, p: PredictionRecord): void {
  const bucket = confidenceBucket(p.confidence);
  const key = `${fn}\u0000${p.model}\u0000${p.label}\u0000${bucket}`;
  let cache = predictionSeries.get(metrics);
  if (!cache) {
    cache = new Map();
    predictionSeries.set(metrics, cache);
  }
  let series = cache.get(key);
  if (!series) {
    // prom-client hashes a label object on every call: each series is looked up once instead.
    series = {
      predictions: metrics.predictions.labels({
        function: fn,
        model: p.model,
        label: p.label,
        confidence_bucket: bucket,
      }),
      confidence: metrics.predictionConfidence.labels({ function: fn, model: p.model }),
      duration: metrics.inferenceDuration.labels({ function: fn, model: p.model }),
    };
    cache.set(key, series);
  }
  series.predictions.inc();
  series.confidence.observe(p.confidence);
  series.duration.observe(p.durationSeconds);
}

interface PredictionSeries {
  predictions: { inc(): void };
  confidence: { observe(value: number): void };
  duration: { observe(value: number): void };
}
/** Per registry, the series already looked up; models and labels are few, so the maps stay small. */
const predictionSeries = new WeakMap<Metrics, Map<string, PredictionSeries>>();
