/** safetensors: strict reading and writing, quantization, pruning and inspection, one tensor at a time. */
export { readSafetensors, readSafetensorsHeader, MAX_HEADER_BYTES, type SafetensorsFile, type SafetensorsTensor } from './read.js';
export type { SafetensorsEntry, SafetensorsHeader } from './header.js';
export { writeSafetensors, type SafetensorsInput, type NamedSafetensorsInput, type WriteSafetensorsOptions } from './write.js';
export { SAFETENSORS_DTYPES, type SafetensorsDType, type SafetensorsArray } from './dtypes.js';
export { quantizeSafetensors } from './quantize.js';
export { dequantizeSafetensors, type DequantizedTensor } from './dequantize.js';
export { pruneSafetensors } from './prune.js';
export { inspectSafetensors } from './inspect.js';
export { QUANT_METADATA_KEY as SAFETENSORS_QUANT_METADATA_KEY } from './layout.js';
