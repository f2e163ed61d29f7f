/** TensorFlow.js models (model.json + weight shards): read, inspect, quantize, run. */
export {
  readTfjsModel,
  type TfjsModel,
  type TfjsGroup,
  type TfjsWeight,
  type TfjsManifestEntry,
  type TfjsQuantization,
  type TfjsDType,
  type TfjsQuantDType,
} from './read.js';
export { inspectTfjs } from './inspect.js';
export { quantizeTfjs } from './quantize.js';
export { runTfjsModel, generateTfjsInputs, type TfjsTensorValue, type TfjsOutput } from './run.js';
