/** Functions Framework entry of `drift-check` (Eventarc: storage finalized under drift/, Pub/Sub `drift-checks`). */
import * as functions from '@google-cloud/functions-framework';
import { startEventFunction } from '../../shared/runtime/start.js';
import { driftCheckFunction } from './module.js';

const handler = await startEventFunction(driftCheckFunction);
functions.cloudEvent('drift-check', (event: functions.CloudEvent<unknown>) => handler(event));
