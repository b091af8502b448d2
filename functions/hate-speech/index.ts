/** Functions Framework entry of the hate-speech function. */
import * as functions from '@google-cloud/functions-framework';
import { getRequestListener } from '@hono/node-server';
import { startFunction } from '../../shared/runtime/start.js';
import { hateSpeechFunction } from './module.js';

const app = await startFunction(hateSpeechFunction);
functions.http('hate-speech', getRequestListener(app.fetch));
