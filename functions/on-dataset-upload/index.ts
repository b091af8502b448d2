/** Functions Framework entry of `on-dataset-upload` (Eventarc: storage object finalized). */
import * as functions from '@google-cloud/functions-framework';
import { startEventFunction } from '../../shared/runtime/start.js';
import { datasetUploadFunction } from './module.js';

const handler = await startEventFunction(datasetUploadFunction);
functions.cloudEvent('on-dataset-upload', (event: functions.CloudEvent<unknown>) => handler(event));
