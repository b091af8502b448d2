/** `npm start`: every vigil function in one process on one port, no cloud needed. */
import { serve } from '@hono/node-server';
import { EVENT_FUNCTIONS, FUNCTIONS } from '../functions/registry.js';
import { loadPlatformConfig } from '../shared/runtime/config.js';
import { createLocalRuntime } from '../shared/runtime/local.js';
import { closeOnSignal } from '../shared/runtime/start.js';

let config: ReturnType<typeof loadPlatformConfig>;
try {
  config = loadPlatformConfig(process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const runtime = await createLocalRuntime(config, FUNCTIONS, {}, EVENT_FUNCTIONS);
closeOnSignal(runtime.platform);

serve({ fetch: runtime.fetch, port: config.port, hostname: '127.0.0.1' }, (info) => {
  console.log(`vigil local — http://localhost:${info.port}/  (data in ${config.dataDir}/)`);
  for (const fn of runtime.functions) {
    const page = fn.page ? `, page http://localhost:${info.port}/${fn.name}/` : '';
    console.log(`  /${fn.name}/  ${fn.summary}  → http://localhost:${info.port}/${fn.name}/docs${page}`);
  }
  for (const folder of runtime.loop?.folders ?? []) {
    console.log(`  watching ${folder}/<model>/ for CSV/JSONL files (MLOps loop, see docs/MLOPS.md)`);
  }
  for (const u of runtime.unavailable) console.log(`  /${u.name}/  NOT STARTED: ${u.reason}`);
  const creds = runtime.credentials;
  if (creds) {
    console.log('\nFirst start: a dev user and an admin API key were created. They are shown only now:');
    console.log(`  username: ${creds.username}   password: ${creds.password}`);
    console.log(`  API key:  ${creds.apiKey}`);
    console.log(`  (delete ${config.dataDir}/ to start over)\n`);
  } else {
    console.log(
      `\nDev credentials were printed at the first start (delete ${config.dataDir}/ to create new ones).`,
    );
  }
});
