/** Functions Framework entry of `retrain` (Eventarc: Pub/Sub topic `retrain-requests`). */
import * as functions from '@google-cloud/functions-framework';
import { startEventFunction } from '../../shared/runtime/start.js';
import { retrainFunction } from './module.js';

const handler = await startEventFunction(retrainFunction);
functions.cloudEvent('retrain', (event: functions.CloudEvent<unknown>) => handler(event));
