/**
 * Whether this VM has the host's shared L3 cache right now: nanoseconds per load of a random pointer
 * chase over 4 MiB (more than a core's 1 MiB L2, less than the 32 MiB L3). On a quiet machine here it
 * reads ~15–20 ns while the L3 serves this VM and ~130–150 ns (memory latency) while another tenant
 * of the host evicts it; the request path then costs ~1.4× the CPU per request (BENCHMARKS.md,
 * session 10). The HTTP benches read it right before and right after each wrk run: during a run the
 * server's own traffic fills the cache, so a reading then says nothing about the neighbours.
 * Usage: node dist/scripts/bench/cache-probe.js
 */
import { pathToFileURL } from 'node:url';

export const PROBE_BYTES = 4 << 20;
const LINE = 16; // Int32 slots per 64-byte cache line: one load per line

/** A single random cycle through every cache line of `bytes` (Sattolo's shuffle). */
export function pointerChain(bytes = PROBE_BYTES): Int32Array {
  const lines = Math.floor(bytes / 4 / LINE);
  const order = Int32Array.from({ length: lines }, (_, i) => i * LINE);
  for (let i = lines - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const next = new Int32Array(lines * LINE);
  for (let i = 0; i < lines; i++) next[order[i] as number] = order[(i + 1) % lines] as number;
  return next;
}

/** ns per load: the median of five rounds of 400,000 dependent loads, after a warm-up round. */
export function cacheProbeNs(bytes = PROBE_BYTES): number {
  const chain = pointerChain(bytes);
  let at = 0;
  const rounds: number[] = [];
  for (let round = 0; round < 6; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 400_000; i++) at = chain[at] as number;
    rounds.push(Number(process.hrtime.bigint() - started) / 400_000);
  }
  // `at` is read so the chase cannot be optimised away; it is never negative.
  return (rounds.slice(1).sort((a, b) => a - b)[2] as number) + (at < 0 ? 1 : 0);
}

/** Readings before and after a run: "17 / 143 ns". */
export function probeFigures([before, after]: readonly [number, number]): string {
  return `${before.toFixed(0)} / ${after.toFixed(0)} ns`;
}

/** The same, labelled, as the benches print it beside a run. */
export function describeProbe(readings: readonly [number, number]): string {
  return `L3 probe ${probeFigures(readings)}`;
}

export const PROBE_LEGEND =
  'L3 probe: ns per load of a pointer chase over 4 MiB right before / right after each run (cache-probe.ts); ' +
  "~15–20 while this VM has the host's L3, ~130–150 while a neighbour evicts it";

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  console.log(`${cacheProbeNs().toFixed(1)} ns per load over 4 MiB`);
