/** Functions Framework entry of the image-classifier function. */
import * as functions from '@google-cloud/functions-framework';
import { getRequestListener } from '@hono/node-server';
import { startFunction } from '../../shared/runtime/start.js';
import { imageClassifierFunction } from './module.js';

const app = await startFunction(imageClassifierFunction);
functions.http('image-classifier', getRequestListener(app.fetch));
