// N-API glue of non-uniform quantization: k-means codebooks, table lookup and
// power-of-two codes. Lengths are re-checked against the typed arrays passed.
#include <napi.h>

#include <stdint.h>

#include <memory>

#include "../include/modelpress.h"
#include "args.h"
#include "kernel_worker.h"
#include "output_pages.h"

namespace mp_napi {
namespace {

double number_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (!info[i].IsNumber()) throw_type(info.Env(), fn, std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

// kmeans(x, k, seed, maxIter, initSample, centroids, idx): returns the iterations run.
struct KmeansCall {
  ArrayArg x, centroids, idx;
  uint32_t k = 2, seed = 0, max_iter = 0;
  size_t init_sample = 1;
};

KmeansCall parse_kmeans(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 7) throw_type(env, fn, "expects 7 arguments");
  KmeansCall c;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  const double k = number_arg(info, 1, fn, "k"), seed = number_arg(info, 2, fn, "seed");
  const double max_iter = number_arg(info, 3, fn, "maxIter");
  if (!(k >= 2 && k <= 256)) throw_range(env, fn, "k must be in [2, 256]");
  if (!(seed >= 0 && seed <= 4294967295.0)) throw_range(env, fn, "seed must be a uint32");
  if (!(max_iter >= 0 && max_iter <= 4294967295.0)) throw_range(env, fn, "maxIter must be a uint32");
  c.k = static_cast<uint32_t>(k);
  c.seed = static_cast<uint32_t>(seed);
  c.max_iter = static_cast<uint32_t>(max_iter);
  c.init_sample = count_arg(info, 4, fn, "initSample");
  c.centroids = typed_array(info, 5, fn, "centroids", napi_float32_array);
  c.idx = typed_array(info, 6, fn, "idx", napi_uint8_array);
  if (c.centroids.length != c.k) throw_range(env, fn, "centroids must have k entries");
  if (c.idx.length != c.x.length) throw_range(env, fn, "idx must have x's length");
  return c;
}

mp_status run_kmeans(const KmeansCall& c, double* iterations) {
  uint32_t it = 0;
  size_t bad = 0;
  const mp_status s = mp_kmeans(static_cast<const float*>(c.x.data), c.x.length, c.k, c.seed, c.max_iter,
                                c.init_sample, static_cast<float*>(c.centroids.data),
                                static_cast<uint8_t*>(c.idx.data), &it, &bad);
  *iterations = it;
  return s;
}

Napi::Value Kmeans(const Napi::CallbackInfo& info) {
  const KmeansCall c = parse_kmeans(info, "kmeans");
  double it = 0;
  if (mp_status s = run_kmeans(c, &it)) throw Napi::Error(info.Env(), status_error(info.Env(), "kmeans", s));
  return Napi::Number::New(info.Env(), it);
}

Napi::Value KmeansAsync(const Napi::CallbackInfo& info) {
  const KmeansCall c = parse_kmeans(info, "kmeansAsync");
  auto it = std::make_shared<double>(0);
  return queue(new KernelWorker(
      info.Env(), "kmeansAsync", {c.x.object, c.centroids.object, c.idx.object},
      [c, it] { return run_kmeans(c, it.get()); }, [it](Napi::Env env) { return Napi::Number::New(env, *it); }));
}

// lookup(idx, table, out) with a 256-entry table.
struct LookupCall {
  ArrayArg idx, table, out;
};

LookupCall parse_lookup(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw_type(env, fn, "expects 3 arguments");
  LookupCall c;
  c.idx = typed_array(info, 0, fn, "idx", napi_uint8_array);
  c.table = typed_array(info, 1, fn, "table", napi_float32_array);
  c.out = typed_array(info, 2, fn, "out", napi_float32_array);
  if (c.table.length != 256) throw_range(env, fn, "table must have 256 entries");
  if (c.out.length != c.idx.length) throw_range(env, fn, "out must have idx's length");
  return c;
}

mp_status run_lookup(const LookupCall& c) {
  mp::advise_output_pages(c.out.data, c.out.length * sizeof(float));
  return mp_lookup(static_cast<const uint8_t*>(c.idx.data), c.idx.length, static_cast<const float*>(c.table.data),
                   static_cast<float*>(c.out.data));
}

Napi::Value Lookup(const Napi::CallbackInfo& info) {
  const LookupCall c = parse_lookup(info, "lookup");
  if (mp_status s = run_lookup(c)) throw Napi::Error(info.Env(), status_error(info.Env(), "lookup", s));
  return info.Env().Undefined();
}

Napi::Value LookupAsync(const Napi::CallbackInfo& info) {
  const LookupCall c = parse_lookup(info, "lookupAsync");
  return queue(new KernelWorker(
      info.Env(), "lookupAsync", {c.idx.object, c.table.object, c.out.object}, [c] { return run_lookup(c); },
      [](Napi::Env env) { return env.Undefined(); }));
}

// pow2Quantize(x, emin, emax, codes)
struct Pow2Call {
  ArrayArg x, codes;
  int32_t emin = 0, emax = 0;
};

Pow2Call parse_pow2(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw_type(env, fn, "expects 4 arguments");
  Pow2Call c;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  const double emin = number_arg(info, 1, fn, "emin"), emax = number_arg(info, 2, fn, "emax");
  if (!(emin >= -1000 && emin <= 1000 && emax >= -1000 && emax <= 1000)) throw_range(env, fn, "emin / emax out of range");
  c.emin = static_cast<int32_t>(emin);
  c.emax = static_cast<int32_t>(emax);
  c.codes = typed_array(info, 3, fn, "codes", napi_int8_array);
  if (c.codes.length != c.x.length) throw_range(env, fn, "codes must have x's length");
  return c;
}

mp_status run_pow2(const Pow2Call& c) {
  return mp_pow2_quantize(static_cast<const float*>(c.x.data), c.x.length, c.emin, c.emax,
                          static_cast<uint8_t*>(c.codes.data));
}

Napi::Value Pow2Quantize(const Napi::CallbackInfo& info) {
  const Pow2Call c = parse_pow2(info, "pow2Quantize");
  if (mp_status s = run_pow2(c)) throw Napi::Error(info.Env(), status_error(info.Env(), "pow2Quantize", s));
  return info.Env().Undefined();
}

Napi::Value Pow2QuantizeAsync(const Napi::CallbackInfo& info) {
  const Pow2Call c = parse_pow2(info, "pow2QuantizeAsync");
  return queue(new KernelWorker(
      info.Env(), "pow2QuantizeAsync", {c.x.object, c.codes.object}, [c] { return run_pow2(c); },
      [](Napi::Env env) { return env.Undefined(); }));
}

}  // namespace

void register_codebook(Napi::Env env, Napi::Object exports) {
  exports.Set("kmeans", Napi::Function::New(env, Kmeans, "kmeans"));
  exports.Set("kmeansAsync", Napi::Function::New(env, KmeansAsync, "kmeansAsync"));
  exports.Set("lookup", Napi::Function::New(env, Lookup, "lookup"));
  exports.Set("lookupAsync", Napi::Function::New(env, LookupAsync, "lookupAsync"));
  exports.Set("pow2Quantize", Napi::Function::New(env, Pow2Quantize, "pow2Quantize"));
  exports.Set("pow2QuantizeAsync", Napi::Function::New(env, Pow2QuantizeAsync, "pow2QuantizeAsync"));
}

}  // namespace mp_napi
