/**
 * Every ONNX Runtime session vigil opens goes through here, so that onnxruntime's own usage telemetry
 * stays off.
 *
 * onnxruntime-node 1.30's Linux build starts Microsoft's 1DS telemetry with its first session: it keeps
 * a device id and a SQLite queue of events under `~/.cache/Microsoft/DeveloperTools/` (session
 * creations, run durations per batch size, process CPU and memory) and uploads them to
 * `mobile.events.data.microsoft.com`. A moderation service does not report on its traffic to a third
 * party, and its containers should not grow a file per start, so vigil sets `ORT_DISABLE_TELEMETRY=1`
 * unless the operator set that variable (`0` turns it back on). onnxruntime reads it when it creates its
 * environment, at the first session, so setting it here is in time (docs/CONFIGURATION.md).
 */
import { InferenceSession } from 'onnxruntime-node';

export function createOnnxSession(
  model: string | Uint8Array,
  options: InferenceSession.SessionOptions = {},
): Promise<InferenceSession> {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  // Two calls because `InferenceSession.create`'s overloads take a path or bytes, not the union.
  return typeof model === 'string'
    ? InferenceSession.create(model, options)
    : InferenceSession.create(model, options);
}
