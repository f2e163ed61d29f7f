/**
 * modelpress — compress deep-learning tensors from TypeScript.
 *
 * Quantization follows the ONNX operators QuantizeLinear, DequantizeLinear and
 * DynamicQuantizeLinear; kernels run on a native N-API addon, on WebAssembly, or on
 * the TypeScript reference (see backendInfo()).
 */
export { quantizeLinear, quantizeLinearAsync, dequantizeLinear, dequantizeLinearAsync } from './quant/linear.js';
export { quantize, quantizeAsync, dequantize, dequantizeAsync, findRange, findRangeAsync, type Range } from './quant/quantize.js';
export { qparamsFromRange, qparamsForRange, type QParams } from './quant/range.js';
export {
  toFloat16,
  fromFloat16,
  toBFloat16,
  fromBFloat16,
  toFloat16Async,
  fromFloat16Async,
  toBFloat16Async,
  fromBFloat16Async,
  type DownCastResult,
  type CastOptions,
} from './quant/cast.js';
export {
  quantizationError,
  quantizationErrorAsync,
  type ErrorMetrics,
  type ErrorReport,
  type Histogram,
  type QuantizationErrorOptions,
} from './quant/error.js';
export {
  fakeQuantize,
  fakeQuantizeAsync,
  fakeQuantizeBackward,
  fakeQuantizeBackwardAsync,
  type FakeQuantizeOptions,
  type FakeQuantizeResult,
} from './quant/fake.js';
export {
  quantizeBlocks,
  quantizeBlocksAsync,
  dequantizeBlocks,
  dequantizeBlocksAsync,
  quantizeRows,
  quantizeRowsAsync,
  type BlockQuantizeOptions,
  type BlockQuantizedTensor,
  type RowQuantizeOptions,
} from './quant/blocks.js';
export { packInt4, packInt4Async, unpackInt4, unpackInt4Async, type UnpackInt4Options } from './quant/int4.js';
export {
  kmeansQuantize,
  kmeansQuantizeAsync,
  codebookDequantize,
  codebookDequantizeAsync,
  pow2Quantize,
  pow2QuantizeAsync,
  pow2Dequantize,
  pow2DequantizeAsync,
  packBits,
  unpackBits,
  type KmeansQuantizeOptions,
  type CodebookTensor,
  type Pow2QuantizeOptions,
  type Pow2Tensor,
} from './quant/codebook.js';
export {
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  type ObserverOptions,
  type MinMaxObserverOptions,
  type MovingAverageObserverOptions,
  type ObserverQParams,
} from './quant/observers.js';
export { HistogramObserver, type HistogramObserverOptions, type HistogramMethod } from './quant/histogram-observer.js';
export {
  magnitudeMask,
  magnitudeMaskAsync,
  globalMagnitudeMask,
  globalMagnitudeMaskAsync,
  thresholdMask,
  thresholdMaskAsync,
  type GlobalMaskOptions,
  type MagnitudeMaskOptions,
  type ThresholdMaskOptions,
} from './sparse/masks.js';
export { lnStructuredMask, lnStructuredMaskAsync, sliceNorms, sliceNormsAsync, type LnStructuredOptions, type SliceNormOptions } from './sparse/structured.js';
export { blockMask, blockMaskAsync, type BlockMaskOptions } from './sparse/block-mask.js';
export { nmMask, nmMaskAsync, type NMMaskOptions } from './sparse/nm.js';
export { TaylorImportance, scoreMask, scoreMaskAsync, type TaylorImportanceOptions } from './sparse/importance.js';
export {
  constantSparsity,
  polynomialDecay,
  type ConstantSparsityOptions,
  type PolynomialDecayOptions,
  type PruningSchedule,
} from './sparse/schedule.js';
export { IterativePruner, type IterativePrunerOptions } from './sparse/pruner.js';
export {
  fromBitmask,
  fromBitmaskAsync,
  fromCSR,
  fromCSRAsync,
  toBitmask,
  toBitmaskAsync,
  toCSR,
  toCSRAsync,
  type BitmaskTensor,
  type CSRMatrix,
} from './sparse/storage.js';
export { softmax, softmaxAsync, logSoftmax, logSoftmaxAsync, type SoftmaxOptions } from './distill/softmax.js';
export {
  kdLoss,
  kdLossAsync,
  softCrossEntropy,
  softCrossEntropyAsync,
  hintonLoss,
  hintonLossAsync,
  type HintonLossOptions,
  type HintonLossResult,
  type KDLossOptions,
  type SoftCrossEntropyOptions,
  type Teacher,
  type TopKTeacher,
} from './distill/kd.js';
export { crossEntropy, crossEntropyAsync, type CrossEntropyOptions } from './distill/ce.js';
export {
  attentionTransferLoss,
  attentionTransferLossAsync,
  cosineLoss,
  cosineLossAsync,
  mseLoss,
  mseLossAsync,
  type AttentionTransferOptions,
  type CosineLossOptions,
  type MSELossOptions,
} from './distill/features.js';
export type { LossResult, Reduction } from './distill/common.js';
export { pack24, pack24Async, unpack24, unpack24Async, type Packed24 } from './sparse/nm24.js';
export {
  csrMatMul,
  csrMatMulAsync,
  csrMatVec,
  csrMatVecAsync,
  denseMatMul,
  denseMatMulAsync,
  denseMatVec,
  denseMatVecAsync,
  nm24MatMul,
  nm24MatMulAsync,
  nm24MatVec,
  nm24MatVecAsync,
  sparseByteSize,
  type ProductOptions,
} from './sparse/products.js';
export {
  applyMask,
  applyMaskAsync,
  maskGradient,
  maskGradientAsync,
  combineMasks,
  sparsity,
  type ApplyMaskOptions,
  type SparsityReport,
} from './sparse/apply.js';
export type {
  AnyQuantDType,
  QuantDType,
  QuantArray,
  ScaleInput,
  ZeroPointInput,
  QuantizeLinearOptions,
  DequantizeLinearOptions,
  QuantizeOptions,
  QuantizedTensor,
} from './quant/types.js';
export { backendInfo, formatBackendInfo, setBackend, type BackendInfo, type SetBackendOptions } from './backends/registry.js';
export type { BackendName } from './backends/backend.js';
export type { ErrorCode, ModelpressError } from './errors.js';

// Model files (ONNX, safetensors, TensorFlow.js): one line per format module.
export type { ModelFormat, ModelReport, TensorReport, ReportTotals, ReportHistogram, ProgressCallback } from './model/types.js';
export type { InspectModelOptions, QuantizeModelOptions, PruneModelOptions, ModelQuantDType, ModelPruneMethod } from './model/options.js';
export type { SelectOptions } from './model/select.js';
export * from './model/onnx/index.js';
export * from './model/safetensors/index.js';
export * from './model/tfjs/index.js';
export { inspectModel, quantizeModel, pruneModel } from './model/commands.js';
export { compareModels, type CompareOptions, type CompareReport } from './model/compare.js';
export type { OutputAgreement } from './model/agreement.js';
export { benchModel, type BenchModelOptions, type BenchModelResult, type BenchModelRow } from './model/bench.js';
export { formatReportTable, type TableOptions } from './model/render/table.js';
export { renderReportHtml, type HtmlOptions } from './model/render/html.js';
export { formatCompareTable } from './model/render/compare-table.js';
