// N-API glue of the prune family: slice norm sums, block pooling and expansion,
// N:M masks and Taylor importance. Lengths are re-checked against the typed arrays.
#include <napi.h>

#include <stdint.h>

#include <vector>

#include "../include/modelpress.h"
#include "op.h"

namespace mp_napi {
namespace {

double bad_or_minus_one(mp_status s, size_t bad, mp_status* out) {
  *out = s == MP_ERR_NON_FINITE ? MP_OK : s;
  return s == MP_ERR_NON_FINITE ? static_cast<double>(bad) : -1.0;
}

size_t product(const Napi::CallbackInfo& info, const char* fn, std::initializer_list<size_t> dims) {
  size_t n = 1;
  for (size_t d : dims)
    if (__builtin_mul_overflow(n, d, &n)) throw_range(info.Env(), fn, "shape too large");
  return n;
}

// sliceNormSums(x, outer, axisLen, inner, kind, p, sums): -1 or the first NaN.
struct NormCall {
  ArrayArg x, sums;
  size_t outer, axis_len, inner;
  uint32_t kind;
  double p;
  std::vector<Napi::Object> pinned;
};

NormCall parse_norm(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 7, fn);
  NormCall c;
  c.outer = size_arg(info, 1, fn, "outer");
  c.axis_len = size_arg(info, 2, fn, "axisLen");
  c.inner = size_arg(info, 3, fn, "inner");
  c.kind = static_cast<uint32_t>(size_arg(info, 4, fn, "kind", 4));
  c.p = number_arg(info, 5, fn, "p");
  c.x = sized_array(info, 0, fn, "x", napi_float32_array, product(info, fn, {c.outer, c.axis_len, c.inner}));
  c.sums = sized_array(info, 6, fn, "sums", napi_float64_array, c.axis_len);
  c.pinned = {c.x.object, c.sums.object};
  return c;
}

mp_status run_norm(const NormCall& c, double* result) {
  size_t bad = 0;
  mp_status s = mp_slice_norm_sums(static_cast<const float*>(c.x.data), c.outer, c.axis_len, c.inner, c.kind, c.p,
                                   static_cast<double*>(c.sums.data), &bad);
  *result = bad_or_minus_one(s, bad, &s);
  return s;
}

// blockPool(x, rows, cols, bh, bw, mode, out): -1 or the first NaN.
struct PoolCall {
  ArrayArg x, out;
  size_t rows, cols, bh, bw;
  uint32_t mode;
  std::vector<Napi::Object> pinned;
};

PoolCall parse_pool(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 7, fn);
  PoolCall c;
  c.rows = size_arg(info, 1, fn, "rows");
  c.cols = size_arg(info, 2, fn, "cols");
  c.bh = size_arg(info, 3, fn, "bh");
  c.bw = size_arg(info, 4, fn, "bw");
  c.mode = static_cast<uint32_t>(size_arg(info, 5, fn, "mode", 1));
  if (c.bh == 0 || c.bw == 0) throw_range(info.Env(), fn, "block sides must be >= 1");
  c.x = sized_array(info, 0, fn, "x", napi_float32_array, product(info, fn, {c.rows, c.cols}));
  c.out = sized_array(info, 6, fn, "out", napi_float32_array,
                      product(info, fn, {(c.rows + c.bh - 1) / c.bh, (c.cols + c.bw - 1) / c.bw}));
  c.pinned = {c.x.object, c.out.object};
  return c;
}

mp_status run_pool(const PoolCall& c, double* result) {
  size_t bad = 0;
  mp_status s = mp_block_pool(static_cast<const float*>(c.x.data), c.rows, c.cols, c.bh, c.bw, c.mode,
                              static_cast<float*>(c.out.data), &bad);
  *result = bad_or_minus_one(s, bad, &s);
  return s;
}

// expandBlockMask(blockMask, rows, cols, bh, bw, mask).
struct ExpandCall {
  ArrayArg bm, mask;
  size_t rows, cols, bh, bw;
  std::vector<Napi::Object> pinned;
};

ExpandCall parse_expand(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 6, fn);
  ExpandCall c;
  c.rows = size_arg(info, 1, fn, "rows");
  c.cols = size_arg(info, 2, fn, "cols");
  c.bh = size_arg(info, 3, fn, "bh");
  c.bw = size_arg(info, 4, fn, "bw");
  if (c.bh == 0 || c.bw == 0) throw_range(info.Env(), fn, "block sides must be >= 1");
  c.bm = sized_array(info, 0, fn, "blockMask", napi_uint8_array,
                     product(info, fn, {(c.rows + c.bh - 1) / c.bh, (c.cols + c.bw - 1) / c.bw}));
  c.mask = sized_array(info, 5, fn, "mask", napi_uint8_array, product(info, fn, {c.rows, c.cols}));
  c.pinned = {c.bm.object, c.mask.object};
  return c;
}

mp_status run_expand(const ExpandCall& c, double*) {
  return mp_expand_block_mask(static_cast<const uint8_t*>(c.bm.data), c.rows, c.cols, c.bh, c.bw,
                              static_cast<uint8_t*>(c.mask.data));
}

// nmMask(x, outer, axisLen, inner, n, m, mask): -1 or the first NaN.
struct NmCall {
  ArrayArg x, mask;
  size_t outer, axis_len, inner;
  uint32_t n, m;
  std::vector<Napi::Object> pinned;
};

NmCall parse_nm(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 7, fn);
  NmCall c;
  c.outer = size_arg(info, 1, fn, "outer");
  c.axis_len = size_arg(info, 2, fn, "axisLen");
  c.inner = size_arg(info, 3, fn, "inner");
  c.n = static_cast<uint32_t>(size_arg(info, 4, fn, "n", 256));
  c.m = static_cast<uint32_t>(size_arg(info, 5, fn, "m", 256));
  if (c.n < 1 || c.n > c.m) throw_range(info.Env(), fn, "need 1 <= n <= m");
  if (c.axis_len == 0 || c.axis_len % c.m != 0) throw_range(info.Env(), fn, "axisLen must be a multiple of m");
  if (c.inner == 0) throw_range(info.Env(), fn, "inner must be >= 1");
  const size_t total = product(info, fn, {c.outer, c.axis_len, c.inner});
  c.x = sized_array(info, 0, fn, "x", napi_float32_array, total);
  c.mask = sized_array(info, 6, fn, "mask", napi_uint8_array, total);
  c.pinned = {c.x.object, c.mask.object};
  return c;
}

mp_status run_nm(const NmCall& c, double* result) {
  size_t bad = 0;
  mp_status s = mp_nm_mask(static_cast<const float*>(c.x.data), c.outer, c.axis_len, c.inner, c.n, c.m,
                           static_cast<uint8_t*>(c.mask.data), &bad);
  *result = bad_or_minus_one(s, bad, &s);
  return s;
}

// taylorAccumulate(w, g, beta, score).
struct TaylorCall {
  ArrayArg w, g, score;
  float beta;
  std::vector<Napi::Object> pinned;
};

TaylorCall parse_taylor(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 4, fn);
  TaylorCall c;
  c.w = typed_array(info, 0, fn, "w", napi_float32_array);
  c.g = sized_array(info, 1, fn, "g", napi_float32_array, c.w.length);
  c.beta = static_cast<float>(number_arg(info, 2, fn, "beta"));
  c.score = sized_array(info, 3, fn, "score", napi_float32_array, c.w.length);
  c.pinned = {c.w.object, c.g.object, c.score.object};
  return c;
}

mp_status run_taylor(const TaylorCall& c, double*) {
  return mp_taylor_accumulate(static_cast<const float*>(c.w.data), static_cast<const float*>(c.g.data), c.w.length,
                              c.beta, static_cast<float*>(c.score.data));
}

}  // namespace

void register_prune(Napi::Env env, Napi::Object exports) {
  define_op<NormCall>(env, exports, "sliceNormSums", parse_norm, run_norm);
  define_op<PoolCall>(env, exports, "blockPool", parse_pool, run_pool);
  define_op<ExpandCall>(env, exports, "expandBlockMask", parse_expand, run_expand);
  define_op<NmCall>(env, exports, "nmMask", parse_nm, run_nm);
  define_op<TaylorCall>(env, exports, "taylorAccumulate", parse_taylor, run_taylor);
}

}  // namespace mp_napi
