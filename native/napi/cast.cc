// N-API glue of the float down-casting family: fp32 <-> fp16 and fp32 <-> bf16.
// Down-casts return [overflowed, underflowed, nan], the counts of what was lost.
#include <napi.h>

#include <stdint.h>

#include <array>
#include <memory>

#include "../include/modelpress.h"
#include "args.h"
#include "kernel_worker.h"
#include "output_pages.h"

namespace mp_napi {
namespace {

using Counts = std::array<uint64_t, 3>;
using DownCast = mp_status (*)(const float*, uint16_t*, size_t, uint64_t*);
using UpCast = mp_status (*)(const uint16_t*, float*, size_t);

struct CastCall {
  ArrayArg input, out;
};

// (input, out): Float32Array -> Uint16Array for down-casts, the reverse for up-casts.
CastCall parse_cast(const Napi::CallbackInfo& info, const char* fn, bool down) {
  Napi::Env env = info.Env();
  if (info.Length() != 2) throw_type(env, fn, "expects 2 arguments");
  CastCall c;
  c.input = typed_array(info, 0, fn, down ? "x" : "h", down ? napi_float32_array : napi_uint16_array);
  c.out = typed_array(info, 1, fn, "out", down ? napi_uint16_array : napi_float32_array);
  if (c.out.length != c.input.length) throw_range(env, fn, "out must have the input's length");
  return c;
}

mp_status run_down(DownCast cast, const CastCall& c, Counts* counts) {
  mp::advise_output_pages(c.out.data, c.out.length * sizeof(uint16_t));
  *counts = {0, 0, 0};
  return cast(static_cast<const float*>(c.input.data), static_cast<uint16_t*>(c.out.data), c.input.length,
              counts->data());
}

mp_status run_up(UpCast cast, const CastCall& c) {
  mp::advise_output_pages(c.out.data, c.out.length * sizeof(float));
  return cast(static_cast<const uint16_t*>(c.input.data), static_cast<float*>(c.out.data), c.input.length);
}

Napi::Value counts_value(Napi::Env env, const Counts& counts) {
  Napi::Array a = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; ++i) a.Set(i, Napi::Number::New(env, static_cast<double>(counts[i])));
  return a;
}

template <DownCast kCast>
Napi::Value down_sync(const Napi::CallbackInfo& info) {
  const CastCall c = parse_cast(info, "castDown", true);
  Counts counts;
  if (mp_status s = run_down(kCast, c, &counts)) throw Napi::Error(info.Env(), status_error(info.Env(), "castDown", s));
  return counts_value(info.Env(), counts);
}

template <DownCast kCast>
Napi::Value down_async(const Napi::CallbackInfo& info) {
  const CastCall c = parse_cast(info, "castDownAsync", true);
  auto counts = std::make_shared<Counts>();
  return queue(new KernelWorker(
      info.Env(), "castDownAsync", {c.input.object, c.out.object}, [c, counts] { return run_down(kCast, c, counts.get()); },
      [counts](Napi::Env env) { return counts_value(env, *counts); }));
}

template <UpCast kCast>
Napi::Value up_sync(const Napi::CallbackInfo& info) {
  const CastCall c = parse_cast(info, "castUp", false);
  if (mp_status s = run_up(kCast, c)) throw Napi::Error(info.Env(), status_error(info.Env(), "castUp", s));
  return info.Env().Undefined();
}

template <UpCast kCast>
Napi::Value up_async(const Napi::CallbackInfo& info) {
  const CastCall c = parse_cast(info, "castUpAsync", false);
  return queue(new KernelWorker(
      info.Env(), "castUpAsync", {c.input.object, c.out.object}, [c] { return run_up(kCast, c); },
      [](Napi::Env env) { return env.Undefined(); }));
}

}  // namespace

void register_cast(Napi::Env env, Napi::Object exports) {
  exports.Set("f32ToF16", Napi::Function::New(env, down_sync<mp_f32_to_f16>, "f32ToF16"));
  exports.Set("f32ToBf16", Napi::Function::New(env, down_sync<mp_f32_to_bf16>, "f32ToBf16"));
  exports.Set("f16ToF32", Napi::Function::New(env, up_sync<mp_f16_to_f32>, "f16ToF32"));
  exports.Set("bf16ToF32", Napi::Function::New(env, up_sync<mp_bf16_to_f32>, "bf16ToF32"));
  exports.Set("f32ToF16Async", Napi::Function::New(env, down_async<mp_f32_to_f16>, "f32ToF16Async"));
  exports.Set("f32ToBf16Async", Napi::Function::New(env, down_async<mp_f32_to_bf16>, "f32ToBf16Async"));
  exports.Set("f16ToF32Async", Napi::Function::New(env, up_async<mp_f16_to_f32>, "f16ToF32Async"));
  exports.Set("bf16ToF32Async", Napi::Function::New(env, up_async<mp_bf16_to_f32>, "bf16ToF32Async"));
}

}  // namespace mp_napi
