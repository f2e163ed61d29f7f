// N-API glue of the sparse family: digit histograms of magnitude keys, threshold
// masks and non-zero counts. Lengths are re-checked against the typed arrays passed.
#include <napi.h>

#include <stdint.h>

#include <memory>
#include <vector>

#include "../include/modelpress.h"
#include "args.h"
#include "kernel_worker.h"

namespace mp_napi {
namespace {

uint32_t uint_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, double max) {
  if (!info[i].IsNumber()) throw_type(info.Env(), fn, std::string(name) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= max) || d != static_cast<double>(static_cast<uint32_t>(d)))
    throw_range(info.Env(), fn, std::string(name) + " out of range");
  return static_cast<uint32_t>(d);
}

// digitHistogram(x, shift, bits, prefix, counts): counts (Float64Array, 2^bits) added
// to; returns -1, or the index of the first NaN.
struct DigitCall {
  ArrayArg x, counts;
  uint32_t shift = 0, bits = 1, prefix = 0;
};

DigitCall parse_digit(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw_type(env, fn, "expects 5 arguments");
  DigitCall c;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.shift = uint_arg(info, 1, fn, "shift", 30);
  c.bits = uint_arg(info, 2, fn, "bits", 11);
  c.prefix = uint_arg(info, 3, fn, "prefix", 4294967295.0);
  c.counts = typed_array(info, 4, fn, "counts", napi_float64_array);
  if (c.counts.length != (size_t{1} << c.bits)) throw_range(env, fn, "counts must have 2^bits entries");
  return c;
}

mp_status run_digit(const DigitCall& c, double* result) {
  double* out = static_cast<double*>(c.counts.data);
  std::vector<uint32_t> counts(c.counts.length, 0);
  size_t bad = 0;
  const mp_status s = mp_digit_histogram(static_cast<const float*>(c.x.data), c.x.length, 0, c.shift, c.bits,
                                         c.prefix, counts.data(), &bad);
  for (size_t d = 0; d < counts.size(); ++d) out[d] += counts[d];
  *result = s == MP_ERR_NON_FINITE ? static_cast<double>(bad) : -1.0;
  return s == MP_ERR_NON_FINITE ? MP_OK : s;
}

// thresholdMask(x, t, ties, mask): returns the ties left.
struct MaskCall {
  ArrayArg x, mask;
  uint32_t t = 0;
  uint64_t ties = 0;
};

MaskCall parse_mask(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw_type(env, fn, "expects 4 arguments");
  MaskCall c;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.t = uint_arg(info, 1, fn, "t", 2147483647.0);
  if (!info[2].IsNumber()) throw_type(env, fn, "ties must be a number");
  const double ties = info[2].As<Napi::Number>().DoubleValue();
  if (!(ties >= 0 && ties <= 9007199254740991.0)) throw_range(env, fn, "ties out of range");
  c.ties = static_cast<uint64_t>(ties);
  c.mask = typed_array(info, 3, fn, "mask", napi_uint8_array);
  if (c.mask.length != c.x.length) throw_range(env, fn, "mask must have x's length");
  return c;
}

mp_status run_mask(const MaskCall& c, double* left) {
  uint64_t ties = c.ties;
  const mp_status s = mp_threshold_mask(static_cast<const float*>(c.x.data), c.x.length, c.t, &ties,
                                        static_cast<uint8_t*>(c.mask.data));
  *left = static_cast<double>(ties);
  return s;
}

mp_status run_count(const ArrayArg& m, double* count) {
  uint64_t c = 0;
  const mp_status s = mp_count_nonzero(static_cast<const uint8_t*>(m.data), m.length, &c);
  *count = static_cast<double>(c);
  return s;
}

template <typename Call, mp_status (*Run)(const Call&, double*)>
Napi::Value sync_number(const Napi::CallbackInfo& info, const Call& c, const char* fn) {
  double result = 0;
  if (mp_status s = Run(c, &result)) throw Napi::Error(info.Env(), status_error(info.Env(), fn, s));
  return Napi::Number::New(info.Env(), result);
}

Napi::Value DigitHistogram(const Napi::CallbackInfo& info) {
  return sync_number<DigitCall, run_digit>(info, parse_digit(info, "digitHistogram"), "digitHistogram");
}

Napi::Value DigitHistogramAsync(const Napi::CallbackInfo& info) {
  const DigitCall c = parse_digit(info, "digitHistogramAsync");
  auto result = std::make_shared<double>(-1);
  return queue(new KernelWorker(
      info.Env(), "digitHistogramAsync", {c.x.object, c.counts.object}, [c, result] { return run_digit(c, result.get()); },
      [result](Napi::Env env) { return Napi::Number::New(env, *result); }));
}

Napi::Value ThresholdMask(const Napi::CallbackInfo& info) {
  return sync_number<MaskCall, run_mask>(info, parse_mask(info, "thresholdMask"), "thresholdMask");
}

Napi::Value ThresholdMaskAsync(const Napi::CallbackInfo& info) {
  const MaskCall c = parse_mask(info, "thresholdMaskAsync");
  auto result = std::make_shared<double>(0);
  return queue(new KernelWorker(
      info.Env(), "thresholdMaskAsync", {c.x.object, c.mask.object}, [c, result] { return run_mask(c, result.get()); },
      [result](Napi::Env env) { return Napi::Number::New(env, *result); }));
}

ArrayArg parse_count(const Napi::CallbackInfo& info, const char* fn) {
  if (info.Length() != 1) throw_type(info.Env(), fn, "expects 1 argument");
  return typed_array(info, 0, fn, "m", napi_uint8_array);
}

Napi::Value CountNonzero(const Napi::CallbackInfo& info) {
  return sync_number<ArrayArg, run_count>(info, parse_count(info, "countNonzero"), "countNonzero");
}

Napi::Value CountNonzeroAsync(const Napi::CallbackInfo& info) {
  const ArrayArg m = parse_count(info, "countNonzeroAsync");
  auto result = std::make_shared<double>(0);
  return queue(new KernelWorker(
      info.Env(), "countNonzeroAsync", {m.object}, [m, result] { return run_count(m, result.get()); },
      [result](Napi::Env env) { return Napi::Number::New(env, *result); }));
}

}  // namespace

void register_sparse(Napi::Env env, Napi::Object exports) {
  exports.Set("digitHistogram", Napi::Function::New(env, DigitHistogram, "digitHistogram"));
  exports.Set("digitHistogramAsync", Napi::Function::New(env, DigitHistogramAsync, "digitHistogramAsync"));
  exports.Set("thresholdMask", Napi::Function::New(env, ThresholdMask, "thresholdMask"));
  exports.Set("thresholdMaskAsync", Napi::Function::New(env, ThresholdMaskAsync, "thresholdMaskAsync"));
  exports.Set("countNonzero", Napi::Function::New(env, CountNonzero, "countNonzero"));
  exports.Set("countNonzeroAsync", Napi::Function::New(env, CountNonzeroAsync, "countNonzeroAsync"));
}

}  // namespace mp_napi
