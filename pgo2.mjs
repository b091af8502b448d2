const t0 = performance.now();
const { PGlite } = await import('@electric-sql/pglite');
const extra = (process.env.PGX ?? '')
  .split(' ')
  .filter(Boolean)
  .flatMap((kv) => ['-c', kv]);
const start = [
  '--single',
  '-F',
  '-O',
  '-j',
  '-c',
  'search_path=public',
  '-c',
  'exit_on_error=false',
  '-c',
  'log_checkpoints=false',
  '-c',
  'max_worker_processes=0',
  '-c',
  'max_parallel_workers=0',
  '-c',
  'max_parallel_workers_per_gather=0',
  '-c',
  'io_method=sync',
  '-c',
  'max_parallel_maintenance_workers=0',
  ...extra,
];
const t1 = performance.now();
const db = await PGlite.create({ dataDir: process.argv[2], startParams: start });
const t2 = performance.now();
const r = await db.query(
  "SELECT current_setting('shared_buffers') sb, current_setting('max_connections') mc",
);
const c = process.cpuUsage();
console.log(
  `${process.env.PGX ?? ''}: create ${(t2 - t1).toFixed(0)} ms, cpu ${((c.user + c.system) / 1000).toFixed(0)} ms, uptime ${(process.uptime() * 1000).toFixed(0)}`,
  JSON.stringify(r.rows[0]),
);
await db.close();
