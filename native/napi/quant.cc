// N-API glue of the quantization family (native/include/modelpress.h: quantize,
// dequantize, range search). Every length is re-checked against the typed arrays
// actually passed, so a caller that bypasses the TypeScript layer still cannot read
// or write out of bounds.
#include <napi.h>

#include <stdint.h>

#include <memory>
#include <string>

#include "../include/modelpress.h"
#include "args.h"
#include "kernel_worker.h"
#include "output_pages.h"

namespace mp_napi {
namespace {

// Arguments of quantizeLinear / dequantizeLinear: (input, out, axisLen, inner,
// scales, zps, qtype[, blockSize]); blockSize > 0 selects the blocked layout.
struct LinearCall {
  ArrayArg input, out, scales, zps;
  size_t axis_len = 1, inner = 1, block_size = 0, n = 0;  // n: elements (the float side's length)
  int32_t qtype = MP_QTYPE_INT8;
  bool per_tensor = false;  // then scale / zero_point below, not the arrays
  float scale = 1.0f;
  int32_t zero_point = 0;
};

int32_t qtype_arg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (!info[i].IsNumber()) throw_type(info.Env(), fn, "qtype must be a number");
  const int32_t qtype = info[i].As<Napi::Number>().Int32Value();
  if (qtype < MP_QTYPE_INT8 || qtype > MP_QTYPE_UINT4)
    throw_range(info.Env(), fn, "qtype must be 1 (int8), 2 (uint8), 3 (int4) or 4 (uint4)");
  return qtype;
}

bool packed(int32_t qtype) { return qtype == MP_QTYPE_INT4 || qtype == MP_QTYPE_UINT4; }

// The typed array of the quantized side, and its length rule against n elements.
napi_typedarray_type byte_type(int32_t qtype) { return qtype == MP_QTYPE_INT8 ? napi_int8_array : napi_uint8_array; }

void check_byte_length(Napi::Env env, const char* fn, int32_t qtype, size_t bytes, size_t n) {
  if (bytes != (packed(qtype) ? (n + 1) / 2 : n))
    throw_range(env, fn, packed(qtype) ? "the packed side must hold ceil(n / 2) bytes" : "out must have the input's length");
}

void read_sides(const Napi::CallbackInfo& info, const char* fn, bool quantize, LinearCall& c) {
  if (quantize) {
    c.input = typed_array(info, 0, fn, "x", napi_float32_array);
    c.out = typed_array(info, 1, fn, "out", byte_type(c.qtype));
    c.n = c.input.length;
    check_byte_length(info.Env(), fn, c.qtype, c.out.length, c.n);
  } else {
    c.input = typed_array(info, 0, fn, "q", byte_type(c.qtype));
    c.out = typed_array(info, 1, fn, "out", napi_float32_array);
    c.n = c.out.length;
    check_byte_length(info.Env(), fn, c.qtype, c.input.length, c.n);
  }
}

// Parameters the layout needs: axisLen (per axis) or outer * nb * inner (blocked).
size_t params_needed(Napi::Env env, const char* fn, size_t n, size_t axis_len, size_t inner, size_t block_size) {
  if (block_size == 0) {
    if (axis_len > 1 && n % (axis_len * inner) != 0)
      throw_range(env, fn, "the tensor's length must be a multiple of axisLen * inner");
    return axis_len;
  }
  if (n % (axis_len * inner) != 0) throw_range(env, fn, "the tensor's length must be a multiple of axisLen * inner");
  return n / (axis_len * inner) * ((axis_len + block_size - 1) / block_size) * inner;
}

size_t block_size_arg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (info.Length() <= i || info[i].IsUndefined()) return 0;
  if (!info[i].IsNumber()) throw_type(info.Env(), fn, "blockSize must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (d == 0) return 0;
  return count_arg(info, i, fn, "blockSize");
}

LinearCall parse_linear(const Napi::CallbackInfo& info, const char* fn, bool quantize) {
  Napi::Env env = info.Env();
  if (info.Length() != 7 && info.Length() != 8) throw_type(env, fn, "expects 7 or 8 arguments");
  LinearCall c;
  c.qtype = qtype_arg(info, 6, fn);
  read_sides(info, fn, quantize, c);
  c.axis_len = count_arg(info, 2, fn, "axisLen");
  c.inner = count_arg(info, 3, fn, "inner");
  c.block_size = block_size_arg(info, 7, fn);
  c.scales = typed_array(info, 4, fn, "scales", napi_float32_array);
  c.zps = typed_array(info, 5, fn, "zeroPoints", napi_int32_array);
  const size_t need = params_needed(env, fn, c.n, c.axis_len, c.inner, c.block_size);
  if (c.scales.length != need || c.zps.length != need)
    throw_range(env, fn, "scales and zeroPoints must have one entry per parameter of the layout");
  return c;
}

// Per-tensor form: (input, out, scale, zeroPoint, qtype) with plain numbers. It saves
// the typed-array round trip of one-element parameter arrays (small typed arrays
// live on V8's heap and must be moved off it before N-API can hand out a pointer).
LinearCall parse_linear_tensor(const Napi::CallbackInfo& info, const char* fn, bool quantize) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw_type(env, fn, "expects 5 arguments");
  LinearCall c;
  if (!info[2].IsNumber() || !info[3].IsNumber()) throw_type(env, fn, "scale and zeroPoint must be numbers");
  c.qtype = qtype_arg(info, 4, fn);
  read_sides(info, fn, quantize, c);
  c.scale = info[2].As<Napi::Number>().FloatValue();
  const double zp = info[3].As<Napi::Number>().DoubleValue();
  // Out-of-range values are left to the C ABI's checks (it returns a status).
  c.zero_point = (zp >= -2147483648.0 && zp <= 2147483647.0) ? static_cast<int32_t>(zp) : INT32_MIN;
  c.per_tensor = true;
  return c;
}

mp_status run_linear(const LinearCall& c, bool quantize) {
  mp::advise_output_pages(c.out.data, quantize ? c.out.length : c.out.length * sizeof(float));
  const float* scales = c.per_tensor ? &c.scale : static_cast<const float*>(c.scales.data);
  const int32_t* zps = c.per_tensor ? &c.zero_point : static_cast<const int32_t*>(c.zps.data);
  const size_t n_params = c.per_tensor ? 1 : c.scales.length;
  if (c.block_size > 0) {
    if (quantize)
      return mp_quantize_blocked(static_cast<const float*>(c.input.data), static_cast<uint8_t*>(c.out.data), c.n, 0,
                                 c.axis_len, c.inner, c.block_size, scales, zps, n_params, c.qtype);
    return mp_dequantize_blocked(static_cast<const uint8_t*>(c.input.data), static_cast<float*>(c.out.data), c.n, 0,
                                 c.axis_len, c.inner, c.block_size, scales, zps, n_params, c.qtype);
  }
  if (quantize)
    return mp_quantize_linear(static_cast<const float*>(c.input.data), static_cast<uint8_t*>(c.out.data), c.n, 0,
                              c.axis_len, c.inner, scales, zps, n_params, c.qtype);
  return mp_dequantize_linear(static_cast<const uint8_t*>(c.input.data), static_cast<float*>(c.out.data), c.n, 0,
                              c.axis_len, c.inner, scales, zps, n_params, c.qtype);
}

// Arguments of minMax: (x, axisLen, inner, mins, maxs[, blockSize]).
struct MinMaxCall {
  ArrayArg x, mins, maxs;
  size_t axis_len = 1, inner = 1, block_size = 0;
};

MinMaxCall parse_min_max(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 5 && info.Length() != 6) throw_type(env, fn, "expects 5 or 6 arguments");
  MinMaxCall c;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.axis_len = count_arg(info, 1, fn, "axisLen");
  c.inner = count_arg(info, 2, fn, "inner");
  c.mins = typed_array(info, 3, fn, "mins", napi_float32_array);
  c.maxs = typed_array(info, 4, fn, "maxs", napi_float32_array);
  c.block_size = block_size_arg(info, 5, fn);
  const size_t need = params_needed(env, fn, c.x.length, c.axis_len, c.inner, c.block_size);
  if (c.mins.length != need || c.maxs.length != need)
    throw_range(env, fn, "mins and maxs must have one entry per parameter of the layout");
  return c;
}

// Returns -1 when all values were finite, else the first bad index; another status is a bug.
mp_status run_min_max(const MinMaxCall& c, double* result) {
  size_t bad = 0;
  float* mins = static_cast<float*>(c.mins.data);
  float* maxs = static_cast<float*>(c.maxs.data);
  const float* x = static_cast<const float*>(c.x.data);
  mp_status s = c.block_size > 0
                    ? mp_min_max_blocked(x, c.x.length, 0, c.axis_len, c.inner, c.block_size, mins, maxs,
                                         c.mins.length, &bad)
                    : mp_min_max(x, c.x.length, 0, c.axis_len, c.inner, mins, maxs, c.axis_len, &bad);
  *result = s == MP_ERR_NON_FINITE ? static_cast<double>(bad) : -1.0;
  return s == MP_ERR_NON_FINITE ? MP_OK : s;
}

Napi::Value linear_sync(const Napi::CallbackInfo& info, const char* fn, bool quantize, bool per_tensor) {
  LinearCall c = per_tensor ? parse_linear_tensor(info, fn, quantize) : parse_linear(info, fn, quantize);
  return Napi::Number::New(info.Env(), run_linear(c, quantize));
}

Napi::Value linear_async(const Napi::CallbackInfo& info, const char* fn, bool quantize, bool per_tensor) {
  LinearCall c = per_tensor ? parse_linear_tensor(info, fn, quantize) : parse_linear(info, fn, quantize);
  std::initializer_list<Napi::Object> arrays = {c.input.object, c.out.object};
  std::initializer_list<Napi::Object> with_params = {c.input.object, c.out.object, c.scales.object, c.zps.object};
  return queue(new KernelWorker(
      info.Env(), fn, per_tensor ? arrays : with_params, [c, quantize] { return run_linear(c, quantize); },
      [](Napi::Env env) { return Napi::Number::New(env, 0); }));
}

Napi::Value QuantizeLinear(const Napi::CallbackInfo& info) { return linear_sync(info, "quantizeLinear", true, false); }
Napi::Value DequantizeLinear(const Napi::CallbackInfo& info) { return linear_sync(info, "dequantizeLinear", false, false); }
Napi::Value QuantizeLinearAsync(const Napi::CallbackInfo& info) { return linear_async(info, "quantizeLinearAsync", true, false); }
Napi::Value DequantizeLinearAsync(const Napi::CallbackInfo& info) { return linear_async(info, "dequantizeLinearAsync", false, false); }
Napi::Value QuantizeTensor(const Napi::CallbackInfo& info) { return linear_sync(info, "quantizeTensor", true, true); }
Napi::Value DequantizeTensor(const Napi::CallbackInfo& info) { return linear_sync(info, "dequantizeTensor", false, true); }
Napi::Value QuantizeTensorAsync(const Napi::CallbackInfo& info) { return linear_async(info, "quantizeTensorAsync", true, true); }
Napi::Value DequantizeTensorAsync(const Napi::CallbackInfo& info) { return linear_async(info, "dequantizeTensorAsync", false, true); }

Napi::Value MinMax(const Napi::CallbackInfo& info) {
  MinMaxCall c = parse_min_max(info, "minMax");
  double result = -1;
  mp_status s = run_min_max(c, &result);
  if (s != MP_OK) throw Napi::Error(info.Env(), status_error(info.Env(), "minMax", s));
  return Napi::Number::New(info.Env(), result);
}

// Per-tensor form: (x, min, max) with the running range as numbers (see
// parse_linear_tensor for why). Returns [min, max], or the index of the first
// NaN/Inf as a number.
Napi::Value MinMaxTensor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[1].IsNumber() || !info[2].IsNumber())
    throw_type(env, "minMaxTensor", "expects (x, min, max) with numbers for min and max");
  ArrayArg x = typed_array(info, 0, "minMaxTensor", "x", napi_float32_array);
  float mn = info[1].As<Napi::Number>().FloatValue(), mx = info[2].As<Napi::Number>().FloatValue();
  size_t bad = 0;
  mp_status s = mp_min_max(static_cast<const float*>(x.data), x.length, 0, 1, 1, &mn, &mx, 1, &bad);
  if (s == MP_ERR_NON_FINITE) return Napi::Number::New(env, static_cast<double>(bad));
  if (s != MP_OK) throw Napi::Error(env, status_error(env, "minMaxTensor", s));
  Napi::Array range = Napi::Array::New(env, 2);
  range.Set(uint32_t{0}, Napi::Number::New(env, mn));
  range.Set(uint32_t{1}, Napi::Number::New(env, mx));
  return range;
}

Napi::Value MinMaxAsync(const Napi::CallbackInfo& info) {
  MinMaxCall c = parse_min_max(info, "minMaxAsync");
  auto result = std::make_shared<double>(-1);
  return queue(new KernelWorker(
      info.Env(), "minMaxAsync", {c.x.object, c.mins.object, c.maxs.object},
      [c, result] { return run_min_max(c, result.get()); },
      [result](Napi::Env env) { return Napi::Number::New(env, *result); }));
}

}  // namespace

void register_quant(Napi::Env env, Napi::Object exports) {
  exports.Set("quantizeLinear", Napi::Function::New(env, QuantizeLinear, "quantizeLinear"));
  exports.Set("dequantizeLinear", Napi::Function::New(env, DequantizeLinear, "dequantizeLinear"));
  exports.Set("quantizeTensor", Napi::Function::New(env, QuantizeTensor, "quantizeTensor"));
  exports.Set("dequantizeTensor", Napi::Function::New(env, DequantizeTensor, "dequantizeTensor"));
  exports.Set("quantizeTensorAsync", Napi::Function::New(env, QuantizeTensorAsync, "quantizeTensorAsync"));
  exports.Set("dequantizeTensorAsync", Napi::Function::New(env, DequantizeTensorAsync, "dequantizeTensorAsync"));
  exports.Set("minMax", Napi::Function::New(env, MinMax, "minMax"));
  exports.Set("minMaxTensor", Napi::Function::New(env, MinMaxTensor, "minMaxTensor"));
  exports.Set("quantizeLinearAsync", Napi::Function::New(env, QuantizeLinearAsync, "quantizeLinearAsync"));
  exports.Set("dequantizeLinearAsync", Napi::Function::New(env, DequantizeLinearAsync, "dequantizeLinearAsync"));
  exports.Set("minMaxAsync", Napi::Function::New(env, MinMaxAsync, "minMaxAsync"));
}

}  // namespace mp_napi
