/** Local mode's first-start credentials: a random dev user and admin API key, returned once to print. */
import { randomBytes } from 'node:crypto';
import { UserDirectory } from '../auth/users.js';
import type { Platform } from './platform.js';

export interface DevCredentials {
  username: string;
  password: string;
  apiKey: string;
}

export const DEV_USERNAME = 'dev';

/** Null when the data directory already has its dev user (the secrets were printed at first start). */
export async function ensureDevCredentials(platform: Platform): Promise<DevCredentials | null> {
  if (platform.config.env !== 'local') return null;
  const users = new UserDirectory(platform.documents, [], platform.clock);
  const password = randomBytes(12).toString('base64url');
  if (!(await users.create(DEV_USERNAME, password, ['admin']))) return null;
  const { key } = await platform.apiKeys.create({
    name: 'local dev',
    scopes: ['admin'],
    createdBy: 'local-runner',
  });
  return { username: DEV_USERNAME, password, apiKey: key };
}
