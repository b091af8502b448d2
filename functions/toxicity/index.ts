/** Functions Framework entry of the toxicity function. */
import * as functions from '@google-cloud/functions-framework';
import { getRequestListener } from '@hono/node-server';
import { startFunction } from '../../shared/runtime/start.js';
import { toxicityFunction } from './module.js';

const app = await startFunction(toxicityFunction);
functions.http('toxicity', getRequestListener(app.fetch));
