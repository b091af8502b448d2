/** Shared start-up of the MLOps CLIs: the platform from the environment, closed when the command ends. */
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import { createPlatform, type Platform } from '../../shared/runtime/platform.js';

export async function withPlatform(run: (platform: Platform) => Promise<number>): Promise<never> {
  let code = 1;
  try {
    const platform = await createPlatform(loadPlatformConfig(process.env));
    try {
      code = await run(platform);
    } finally {
      await platform.close();
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(code);
}
