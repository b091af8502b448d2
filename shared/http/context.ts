/** Typed Hono context shared by every vigil function. */
import type { Principal } from '../auth/scopes.js';
import type { Logger } from '../logging/logger.js';

export interface AppVariables {
  requestId: string;
  traceId: string | undefined;
  logger: Logger;
  principal: Principal;
}

export interface AppEnv {
  Variables: AppVariables;
}
