// N-API glue of the quantization-aware-training family: fake quantization with its
// straight-through-estimator mask, and the masked gradient.
#include <napi.h>

#include <stdint.h>

#include "../include/modelpress.h"
#include "args.h"
#include "kernel_worker.h"
#include "output_pages.h"

namespace mp_napi {
namespace {

// fakeQuantize(x, out, mask, axisLen, inner, scales, zeroPoints, qtype), or the
// per-tensor form fakeQuantizeTensor(x, out, mask, scale, zeroPoint, qtype).
struct FakeCall {
  ArrayArg x, out, mask, scales, zps;
  size_t axis_len = 1, inner = 1;
  int32_t qtype = MP_QTYPE_INT8;
  bool per_tensor = false;
  float scale = 1.0f;
  int32_t zero_point = 0;
};

FakeCall parse_fake(const Napi::CallbackInfo& info, const char* fn, bool per_tensor) {
  Napi::Env env = info.Env();
  const size_t want = per_tensor ? 6 : 8;
  if (info.Length() != want) throw_type(env, fn, per_tensor ? "expects 6 arguments" : "expects 8 arguments");
  FakeCall c;
  c.per_tensor = per_tensor;
  if (!info[want - 1].IsNumber()) throw_type(env, fn, "qtype must be a number");
  c.qtype = info[want - 1].As<Napi::Number>().Int32Value();
  if (c.qtype != MP_QTYPE_INT8 && c.qtype != MP_QTYPE_UINT8) throw_range(env, fn, "qtype must be 1 (int8) or 2 (uint8)");
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.out = typed_array(info, 1, fn, "out", napi_float32_array);
  c.mask = typed_array(info, 2, fn, "mask", napi_uint8_array);
  if (c.out.length != c.x.length || c.mask.length != c.x.length)
    throw_range(env, fn, "out and mask must have x's length");
  if (per_tensor) {
    if (!info[3].IsNumber() || !info[4].IsNumber()) throw_type(env, fn, "scale and zeroPoint must be numbers");
    c.scale = info[3].As<Napi::Number>().FloatValue();
    const double zp = info[4].As<Napi::Number>().DoubleValue();
    // Out-of-range values are left to the C ABI's checks (it returns a status).
    c.zero_point = (zp >= -2147483648.0 && zp <= 2147483647.0) ? static_cast<int32_t>(zp) : INT32_MIN;
    return c;
  }
  c.axis_len = count_arg(info, 3, fn, "axisLen");
  c.inner = count_arg(info, 4, fn, "inner");
  c.scales = typed_array(info, 5, fn, "scales", napi_float32_array);
  c.zps = typed_array(info, 6, fn, "zeroPoints", napi_int32_array);
  if (c.scales.length != c.axis_len || c.zps.length != c.axis_len)
    throw_range(env, fn, "scales and zeroPoints must have axisLen entries");
  if (c.axis_len > 1 && c.x.length % (c.axis_len * c.inner) != 0)
    throw_range(env, fn, "x's length must be a multiple of axisLen * inner");
  return c;
}

mp_status run_fake(const FakeCall& c) {
  mp::advise_output_pages(c.out.data, c.out.length * sizeof(float));
  const float* scales = c.per_tensor ? &c.scale : static_cast<const float*>(c.scales.data);
  const int32_t* zps = c.per_tensor ? &c.zero_point : static_cast<const int32_t*>(c.zps.data);
  return mp_fake_quantize(static_cast<const float*>(c.x.data), static_cast<float*>(c.out.data),
                          static_cast<uint8_t*>(c.mask.data), c.x.length, 0, c.axis_len, c.inner, scales, zps,
                          c.axis_len, c.qtype);
}

template <bool kPerTensor>
Napi::Value FakeQuantize(const Napi::CallbackInfo& info) {
  const FakeCall c = parse_fake(info, "fakeQuantize", kPerTensor);
  return Napi::Number::New(info.Env(), run_fake(c));
}

template <bool kPerTensor>
Napi::Value FakeQuantizeAsync(const Napi::CallbackInfo& info) {
  const FakeCall c = parse_fake(info, "fakeQuantizeAsync", kPerTensor);
  std::initializer_list<Napi::Object> arrays = {c.x.object, c.out.object, c.mask.object};
  std::initializer_list<Napi::Object> with_params = {c.x.object, c.out.object, c.mask.object, c.scales.object,
                                                     c.zps.object};
  return queue(new KernelWorker(
      info.Env(), "fakeQuantizeAsync", kPerTensor ? arrays : with_params, [c] { return run_fake(c); },
      [](Napi::Env env) { return Napi::Number::New(env, 0); }));
}

// maskGradient(grad, mask, out)
struct MaskCall {
  ArrayArg grad, mask, out;
};

MaskCall parse_mask(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw_type(env, fn, "expects 3 arguments");
  MaskCall c;
  c.grad = typed_array(info, 0, fn, "grad", napi_float32_array);
  c.mask = typed_array(info, 1, fn, "mask", napi_uint8_array);
  c.out = typed_array(info, 2, fn, "out", napi_float32_array);
  if (c.mask.length != c.grad.length || c.out.length != c.grad.length)
    throw_range(env, fn, "mask and out must have grad's length");
  return c;
}

mp_status run_mask(const MaskCall& c) {
  mp::advise_output_pages(c.out.data, c.out.length * sizeof(float));
  return mp_mask_gradient(static_cast<const float*>(c.grad.data), static_cast<const uint8_t*>(c.mask.data),
                          static_cast<float*>(c.out.data), c.grad.length);
}

Napi::Value MaskGradient(const Napi::CallbackInfo& info) {
  const MaskCall c = parse_mask(info, "maskGradient");
  if (mp_status s = run_mask(c)) throw Napi::Error(info.Env(), status_error(info.Env(), "maskGradient", s));
  return info.Env().Undefined();
}

Napi::Value MaskGradientAsync(const Napi::CallbackInfo& info) {
  const MaskCall c = parse_mask(info, "maskGradientAsync");
  return queue(new KernelWorker(
      info.Env(), "maskGradientAsync", {c.grad.object, c.mask.object, c.out.object}, [c] { return run_mask(c); },
      [](Napi::Env env) { return env.Undefined(); }));
}

}  // namespace

void register_qat(Napi::Env env, Napi::Object exports) {
  exports.Set("fakeQuantize", Napi::Function::New(env, FakeQuantize<false>, "fakeQuantize"));
  exports.Set("fakeQuantizeTensor", Napi::Function::New(env, FakeQuantize<true>, "fakeQuantizeTensor"));
  exports.Set("fakeQuantizeAsync", Napi::Function::New(env, FakeQuantizeAsync<false>, "fakeQuantizeAsync"));
  exports.Set("fakeQuantizeTensorAsync", Napi::Function::New(env, FakeQuantizeAsync<true>, "fakeQuantizeTensorAsync"));
  exports.Set("maskGradient", Napi::Function::New(env, MaskGradient, "maskGradient"));
  exports.Set("maskGradientAsync", Napi::Function::New(env, MaskGradientAsync, "maskGradientAsync"));
}

}  // namespace mp_napi
