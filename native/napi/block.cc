// N-API glue of one-pass group quantization (per row / per block) and of 4-bit
// packing. Lengths are re-checked against the typed arrays passed.
#include <napi.h>

#include <stdint.h>

#include <memory>

#include "../include/modelpress.h"
#include "args.h"
#include "kernel_worker.h"
#include "output_pages.h"

namespace mp_napi {
namespace {

int32_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (!info[i].IsNumber()) throw_type(info.Env(), fn, std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

// quantizeGroups(x, out, cols, blockSize, qtype, symmetric, scales, zeroPoints):
// returns -1, or the index of the first NaN / +-Inf.
struct GroupsCall {
  ArrayArg x, out, scales, zps;
  size_t cols = 1, block_size = 1;
  int32_t qtype = MP_QTYPE_INT8, symmetric = 0;
};

GroupsCall parse_groups(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 8) throw_type(env, fn, "expects 8 arguments");
  GroupsCall c;
  c.qtype = int_arg(info, 4, fn, "qtype");
  if (c.qtype < MP_QTYPE_INT8 || c.qtype > MP_QTYPE_UINT4) throw_range(env, fn, "qtype must be 1, 2, 3 or 4");
  const bool packed = c.qtype >= MP_QTYPE_INT4;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.out = typed_array(info, 1, fn, "out", c.qtype == MP_QTYPE_INT8 ? napi_int8_array : napi_uint8_array);
  c.cols = count_arg(info, 2, fn, "cols");
  c.block_size = count_arg(info, 3, fn, "blockSize");
  if (!info[5].IsBoolean()) throw_type(env, fn, "symmetric must be a boolean");
  c.symmetric = info[5].As<Napi::Boolean>().Value() ? 1 : 0;
  c.scales = typed_array(info, 6, fn, "scales", napi_float32_array);
  c.zps = typed_array(info, 7, fn, "zeroPoints", napi_int32_array);
  const size_t n = c.x.length;
  if (c.out.length != (packed ? (n + 1) / 2 : n)) throw_range(env, fn, "out must hold the quantized tensor");
  if (n % c.cols != 0) throw_range(env, fn, "x's length must be a multiple of cols");
  const size_t blocks = n / c.cols * ((c.cols + c.block_size - 1) / c.block_size);
  if (c.scales.length != blocks || c.zps.length != blocks)
    throw_range(env, fn, "scales and zeroPoints must have one entry per block");
  return c;
}

mp_status run_groups(const GroupsCall& c, double* result) {
  mp::advise_output_pages(c.out.data, c.out.length);
  size_t bad = 0;
  const mp_status s = mp_quantize_groups(static_cast<const float*>(c.x.data), static_cast<uint8_t*>(c.out.data),
                                         c.x.length, 0, c.cols, c.block_size, c.qtype, c.symmetric,
                                         static_cast<float*>(c.scales.data), static_cast<int32_t*>(c.zps.data), &bad);
  *result = s == MP_ERR_NON_FINITE ? static_cast<double>(bad) : -1.0;
  return s == MP_ERR_NON_FINITE ? MP_OK : s;
}

Napi::Value QuantizeGroups(const Napi::CallbackInfo& info) {
  const GroupsCall c = parse_groups(info, "quantizeGroups");
  double result = -1;
  if (mp_status s = run_groups(c, &result)) throw Napi::Error(info.Env(), status_error(info.Env(), "quantizeGroups", s));
  return Napi::Number::New(info.Env(), result);
}

Napi::Value QuantizeGroupsAsync(const Napi::CallbackInfo& info) {
  const GroupsCall c = parse_groups(info, "quantizeGroupsAsync");
  auto result = std::make_shared<double>(-1);
  return queue(new KernelWorker(
      info.Env(), "quantizeGroupsAsync", {c.x.object, c.out.object, c.scales.object, c.zps.object},
      [c, result] { return run_groups(c, result.get()); },
      [result](Napi::Env env) { return Napi::Number::New(env, *result); }));
}

// packInt4(values, out, qtype): returns -1, or the index of the first value out of
// range. unpackInt4(packed, out, qtype).
struct PackCall {
  ArrayArg in, out;
  int32_t qtype = MP_QTYPE_INT4;
};

PackCall parse_pack(const Napi::CallbackInfo& info, const char* fn, bool pack) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw_type(env, fn, "expects 3 arguments");
  PackCall c;
  c.qtype = int_arg(info, 2, fn, "qtype");
  if (c.qtype != MP_QTYPE_INT4 && c.qtype != MP_QTYPE_UINT4) throw_range(env, fn, "qtype must be 3 (int4) or 4 (uint4)");
  const napi_typedarray_type values = c.qtype == MP_QTYPE_INT4 ? napi_int8_array : napi_uint8_array;
  c.in = typed_array(info, 0, fn, pack ? "values" : "packed", pack ? values : napi_uint8_array);
  c.out = typed_array(info, 1, fn, "out", pack ? napi_uint8_array : values);
  const size_t n = pack ? c.in.length : c.out.length;
  const size_t bytes = pack ? c.out.length : c.in.length;
  if (bytes != (n + 1) / 2) throw_range(env, fn, "the packed side must hold ceil(n / 2) bytes");
  return c;
}

mp_status run_pack(const PackCall& c, double* result) {
  size_t bad = 0;
  const mp_status s = mp_pack_int4(static_cast<const uint8_t*>(c.in.data), static_cast<uint8_t*>(c.out.data),
                                   c.in.length, c.qtype, &bad);
  *result = s == MP_ERR_RANGE ? static_cast<double>(bad) : -1.0;
  return s == MP_ERR_RANGE ? MP_OK : s;
}

mp_status run_unpack(const PackCall& c) {
  return mp_unpack_int4(static_cast<const uint8_t*>(c.in.data), static_cast<uint8_t*>(c.out.data), c.out.length,
                        c.qtype);
}

Napi::Value PackInt4(const Napi::CallbackInfo& info) {
  const PackCall c = parse_pack(info, "packInt4", true);
  double result = -1;
  if (mp_status s = run_pack(c, &result)) throw Napi::Error(info.Env(), status_error(info.Env(), "packInt4", s));
  return Napi::Number::New(info.Env(), result);
}

Napi::Value PackInt4Async(const Napi::CallbackInfo& info) {
  const PackCall c = parse_pack(info, "packInt4Async", true);
  auto result = std::make_shared<double>(-1);
  return queue(new KernelWorker(
      info.Env(), "packInt4Async", {c.in.object, c.out.object}, [c, result] { return run_pack(c, result.get()); },
      [result](Napi::Env env) { return Napi::Number::New(env, *result); }));
}

Napi::Value UnpackInt4(const Napi::CallbackInfo& info) {
  const PackCall c = parse_pack(info, "unpackInt4", false);
  if (mp_status s = run_unpack(c)) throw Napi::Error(info.Env(), status_error(info.Env(), "unpackInt4", s));
  return info.Env().Undefined();
}

Napi::Value UnpackInt4Async(const Napi::CallbackInfo& info) {
  const PackCall c = parse_pack(info, "unpackInt4Async", false);
  return queue(new KernelWorker(
      info.Env(), "unpackInt4Async", {c.in.object, c.out.object}, [c] { return run_unpack(c); },
      [](Napi::Env env) { return env.Undefined(); }));
}

}  // namespace

void register_block(Napi::Env env, Napi::Object exports) {
  exports.Set("quantizeGroups", Napi::Function::New(env, QuantizeGroups, "quantizeGroups"));
  exports.Set("quantizeGroupsAsync", Napi::Function::New(env, QuantizeGroupsAsync, "quantizeGroupsAsync"));
  exports.Set("packInt4", Napi::Function::New(env, PackInt4, "packInt4"));
  exports.Set("packInt4Async", Napi::Function::New(env, PackInt4Async, "packInt4Async"));
  exports.Set("unpackInt4", Napi::Function::New(env, UnpackInt4, "unpackInt4"));
  exports.Set("unpackInt4Async", Napi::Function::New(env, UnpackInt4Async, "unpackInt4Async"));
}

}  // namespace mp_napi
