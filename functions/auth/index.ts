/** Functions Framework entry of the auth function. */
import * as functions from '@google-cloud/functions-framework';
import { getRequestListener } from '@hono/node-server';
import { startFunction } from '../../shared/runtime/start.js';
import { authFunction } from './module.js';

const app = await startFunction(authFunction);
functions.http('auth', getRequestListener(app.fetch));
