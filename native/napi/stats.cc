// N-API glue of the statistics family: quantization-error sums and histograms.
#include <napi.h>

#include <stdint.h>

#include <memory>
#include <vector>

#include "../include/modelpress.h"
#include "args.h"
#include "kernel_worker.h"

namespace mp_napi {
namespace {

// (x, y, axisLen, inner, sums): sums is a Float64Array of 7 * axisLen, added to.
struct SumsCall {
  ArrayArg x, y, sums;
  size_t axis_len = 1, inner = 1;
};

SumsCall parse_sums(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw_type(env, fn, "expects 5 arguments");
  SumsCall c;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.y = typed_array(info, 1, fn, "y", napi_float32_array);
  c.axis_len = count_arg(info, 2, fn, "axisLen");
  c.inner = count_arg(info, 3, fn, "inner");
  c.sums = typed_array(info, 4, fn, "sums", napi_float64_array);
  if (c.y.length != c.x.length) throw_range(env, fn, "y must have x's length");
  if (c.sums.length != 7 * c.axis_len) throw_range(env, fn, "sums must have 7 * axisLen entries");
  if (c.axis_len > 1 && c.x.length % (c.axis_len * c.inner) != 0)
    throw_range(env, fn, "x's length must be a multiple of axisLen * inner");
  return c;
}

mp_status run_sums(const SumsCall& c) {
  return mp_error_sums(static_cast<const float*>(c.x.data), static_cast<const float*>(c.y.data), c.x.length, 0,
                       c.axis_len, c.inner, static_cast<double*>(c.sums.data), c.axis_len);
}

// (x, lo, hi, counts): counts is a Float64Array of the bin count, overwritten.
struct HistogramCall {
  ArrayArg x, counts;
  double lo = 0, hi = 1;
};

HistogramCall parse_histogram(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[1].IsNumber() || !info[2].IsNumber())
    throw_type(env, fn, "expects (x, lo, hi, counts) with numbers for lo and hi");
  HistogramCall c;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.lo = info[1].As<Napi::Number>().DoubleValue();
  c.hi = info[2].As<Napi::Number>().DoubleValue();
  c.counts = typed_array(info, 3, fn, "counts", napi_float64_array);
  if (c.counts.length == 0 || c.counts.length > UINT32_MAX) throw_range(env, fn, "counts must have 1 to 2^32 - 1 bins");
  return c;
}

// The C ABI counts in uint64; JS gets doubles (exact below 2^53).
mp_status run_histogram(const HistogramCall& c) {
  std::vector<uint64_t> counts(c.counts.length, 0);
  const mp_status s = mp_histogram(static_cast<const float*>(c.x.data), c.x.length, c.lo, c.hi,
                                   static_cast<uint32_t>(c.counts.length), counts.data());
  double* out = static_cast<double*>(c.counts.data);
  for (size_t b = 0; b < counts.size(); ++b) out[b] = static_cast<double>(counts[b]);
  return s;
}

// histogramRange(x, lo, hi, counts, range): counts overwritten, range = Float32Array
// [min, max] folded; returns -1, or the index of the first NaN / +-Inf.
struct HistogramRangeCall {
  HistogramCall h;
  ArrayArg range;
};

HistogramRangeCall parse_histogram_range(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 5 || !info[1].IsNumber() || !info[2].IsNumber())
    throw_type(env, fn, "expects (x, lo, hi, counts, range) with numbers for lo and hi");
  HistogramRangeCall c;
  c.h.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.h.lo = info[1].As<Napi::Number>().DoubleValue();
  c.h.hi = info[2].As<Napi::Number>().DoubleValue();
  c.h.counts = typed_array(info, 3, fn, "counts", napi_float64_array);
  if (c.h.counts.length == 0 || c.h.counts.length > UINT32_MAX) throw_range(env, fn, "counts must have 1 to 2^32 - 1 bins");
  c.range = typed_array(info, 4, fn, "range", napi_float32_array);
  if (c.range.length != 2) throw_range(env, fn, "range must have 2 entries (min, max)");
  return c;
}

mp_status run_histogram_range(const HistogramRangeCall& c, double* result) {
  std::vector<uint64_t> counts(c.h.counts.length, 0);
  float* range = static_cast<float*>(c.range.data);
  size_t bad = 0;
  const mp_status s = mp_histogram_range(static_cast<const float*>(c.h.x.data), c.h.x.length, 0, c.h.lo, c.h.hi,
                                         static_cast<uint32_t>(c.h.counts.length), counts.data(), &range[0],
                                         &range[1], &bad);
  double* out = static_cast<double*>(c.h.counts.data);
  for (size_t b = 0; b < counts.size(); ++b) out[b] = static_cast<double>(counts[b]);
  *result = s == MP_ERR_NON_FINITE ? static_cast<double>(bad) : -1.0;
  return s == MP_ERR_NON_FINITE ? MP_OK : s;
}

Napi::Value HistogramRange(const Napi::CallbackInfo& info) {
  const HistogramRangeCall c = parse_histogram_range(info, "histogramRange");
  double result = -1;
  if (mp_status s = run_histogram_range(c, &result))
    throw Napi::Error(info.Env(), status_error(info.Env(), "histogramRange", s));
  return Napi::Number::New(info.Env(), result);
}

Napi::Value HistogramRangeAsync(const Napi::CallbackInfo& info) {
  const HistogramRangeCall c = parse_histogram_range(info, "histogramRangeAsync");
  auto result = std::make_shared<double>(-1);
  return queue(new KernelWorker(
      info.Env(), "histogramRangeAsync", {c.h.x.object, c.h.counts.object, c.range.object},
      [c, result] { return run_histogram_range(c, result.get()); },
      [result](Napi::Env env) { return Napi::Number::New(env, *result); }));
}

Napi::Value ErrorSums(const Napi::CallbackInfo& info) {
  const SumsCall c = parse_sums(info, "errorSums");
  if (mp_status s = run_sums(c)) throw Napi::Error(info.Env(), status_error(info.Env(), "errorSums", s));
  return info.Env().Undefined();
}

Napi::Value ErrorSumsAsync(const Napi::CallbackInfo& info) {
  const SumsCall c = parse_sums(info, "errorSumsAsync");
  return queue(new KernelWorker(
      info.Env(), "errorSumsAsync", {c.x.object, c.y.object, c.sums.object}, [c] { return run_sums(c); },
      [](Napi::Env env) { return env.Undefined(); }));
}

Napi::Value Histogram(const Napi::CallbackInfo& info) {
  const HistogramCall c = parse_histogram(info, "histogram");
  if (mp_status s = run_histogram(c)) throw Napi::Error(info.Env(), status_error(info.Env(), "histogram", s));
  return info.Env().Undefined();
}

Napi::Value HistogramAsync(const Napi::CallbackInfo& info) {
  const HistogramCall c = parse_histogram(info, "histogramAsync");
  return queue(new KernelWorker(
      info.Env(), "histogramAsync", {c.x.object, c.counts.object}, [c] { return run_histogram(c); },
      [](Napi::Env env) { return env.Undefined(); }));
}

}  // namespace

void register_stats(Napi::Env env, Napi::Object exports) {
  exports.Set("errorSums", Napi::Function::New(env, ErrorSums, "errorSums"));
  exports.Set("errorSumsAsync", Napi::Function::New(env, ErrorSumsAsync, "errorSumsAsync"));
  exports.Set("histogram", Napi::Function::New(env, Histogram, "histogram"));
  exports.Set("histogramAsync", Napi::Function::New(env, HistogramAsync, "histogramAsync"));
  exports.Set("histogramRange", Napi::Function::New(env, HistogramRange, "histogramRange"));
  exports.Set("histogramRangeAsync", Napi::Function::New(env, HistogramRangeAsync, "histogramRangeAsync"));
}

}  // namespace mp_napi
