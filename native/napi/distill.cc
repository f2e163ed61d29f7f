// N-API glue of the distill family: softmax rows and the distillation losses with
// their gradients. Lengths are re-checked against the typed arrays; an optional
// output (kl, ce, grad) is passed as an empty array when it is not wanted.
#include <napi.h>

#include <stdint.h>

#include <cmath>

#include <vector>

#include "../include/modelpress.h"
#include "op.h"

namespace mp_napi {
namespace {

size_t product(const Napi::CallbackInfo& info, const char* fn, size_t a, size_t b) {
  size_t n;
  if (__builtin_mul_overflow(a, b, &n)) throw_range(info.Env(), fn, "shape too large");
  return n;
}

// An output of `length` elements, or empty (not wanted).
ArrayArg optional_array(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                        napi_typedarray_type want, size_t length) {
  ArrayArg a = typed_array(info, i, fn, name, want);
  if (a.length != 0 && a.length != length) throw_range(info.Env(), fn, std::string(name) + " has the wrong length");
  return a;
}

template <typename T>
T* data_or_null(const ArrayArg& a) {
  return a.length == 0 ? nullptr : static_cast<T*>(a.data);
}

float finite_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  const double d = number_arg(info, i, fn, name);
  if (!std::isfinite(d)) throw_range(info.Env(), fn, std::string(name) + " must be finite");
  return static_cast<float>(d);
}

// softmaxRows(z, rows, cols, invT, log, out).
struct SoftmaxCall {
  ArrayArg z, out;
  size_t rows, cols;
  float inv_t;
  int log;
  std::vector<Napi::Object> pinned;
};

SoftmaxCall parse_softmax(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 6, fn);
  SoftmaxCall c;
  c.rows = size_arg(info, 1, fn, "rows");
  c.cols = size_arg(info, 2, fn, "cols");
  c.inv_t = finite_arg(info, 3, fn, "invT");
  c.log = static_cast<int>(size_arg(info, 4, fn, "log", 1));
  const size_t n = product(info, fn, c.rows, c.cols);
  c.z = sized_array(info, 0, fn, "z", napi_float32_array, n);
  c.out = sized_array(info, 5, fn, "out", napi_float32_array, n);
  c.pinned = {c.z.object, c.out.object};
  return c;
}

mp_status run_softmax(const SoftmaxCall& c, double*) {
  return mp_softmax_rows(static_cast<const float*>(c.z.data), c.rows, c.cols, c.inv_t, c.log,
                         static_cast<float*>(c.out.data));
}

// klRows(s, t, rows, cols, invT, teacherProbs, gradScale, kl, ce, grad) and
// klTopkRows(s, idx, p, rest, rows, cols, k, invT, gradScale, kl, ce, grad): -1 or a bad row.
struct KlCall {
  ArrayArg s, t, idx, p, rest, kl, ce, grad;
  size_t rows, cols, k;
  float inv_t, grad_scale;
  int teacher_probs;
  bool topk;
  std::vector<Napi::Object> pinned;
};

KlCall parse_kl(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 10, fn);
  KlCall c;
  c.topk = false;
  c.k = 0;
  c.rows = size_arg(info, 2, fn, "rows");
  c.cols = size_arg(info, 3, fn, "cols");
  c.inv_t = finite_arg(info, 4, fn, "invT");
  c.teacher_probs = static_cast<int>(size_arg(info, 5, fn, "teacherProbs", 1));
  c.grad_scale = finite_arg(info, 6, fn, "gradScale");
  const size_t n = product(info, fn, c.rows, c.cols);
  c.s = sized_array(info, 0, fn, "s", napi_float32_array, n);
  c.t = sized_array(info, 1, fn, "t", napi_float32_array, n);
  c.kl = optional_array(info, 7, fn, "kl", napi_float64_array, c.rows);
  c.ce = optional_array(info, 8, fn, "ce", napi_float64_array, c.rows);
  c.grad = optional_array(info, 9, fn, "grad", napi_float32_array, n);
  c.pinned = {c.s.object, c.t.object, c.kl.object, c.ce.object, c.grad.object};
  return c;
}

KlCall parse_kl_topk(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 12, fn);
  KlCall c;
  c.topk = true;
  c.teacher_probs = 1;
  c.rows = size_arg(info, 4, fn, "rows");
  c.cols = size_arg(info, 5, fn, "cols");
  c.k = size_arg(info, 6, fn, "k");
  if (c.k > c.cols) throw_range(info.Env(), fn, "k must be <= cols");
  c.inv_t = finite_arg(info, 7, fn, "invT");
  c.grad_scale = finite_arg(info, 8, fn, "gradScale");
  const size_t n = product(info, fn, c.rows, c.cols);
  c.s = sized_array(info, 0, fn, "s", napi_float32_array, n);
  c.idx = sized_array(info, 1, fn, "idx", napi_int32_array, product(info, fn, c.rows, c.k));
  c.p = sized_array(info, 2, fn, "p", napi_float32_array, c.rows * c.k);
  c.rest = sized_array(info, 3, fn, "rest", napi_float32_array, c.rows);
  c.kl = optional_array(info, 9, fn, "kl", napi_float64_array, c.rows);
  c.ce = optional_array(info, 10, fn, "ce", napi_float64_array, c.rows);
  c.grad = optional_array(info, 11, fn, "grad", napi_float32_array, n);
  c.pinned = {c.s.object, c.idx.object, c.p.object, c.rest.object, c.kl.object, c.ce.object, c.grad.object};
  return c;
}

mp_status run_kl(const KlCall& c, double* result) {
  *result = -1;
  const float* s = static_cast<const float*>(c.s.data);
  double* kl = data_or_null<double>(c.kl);
  double* ce = data_or_null<double>(c.ce);
  float* grad = data_or_null<float>(c.grad);
  if (!c.topk) {
    return mp_kl_rows(s, static_cast<const float*>(c.t.data), c.rows, c.cols, c.inv_t, c.teacher_probs, c.grad_scale,
                      kl, ce, grad);
  }
  size_t bad = 0;
  const mp_status st = mp_kl_topk_rows(s, static_cast<const int32_t*>(c.idx.data), static_cast<const float*>(c.p.data),
                                       static_cast<const float*>(c.rest.data), c.rows, c.cols, c.k, c.inv_t,
                                       c.grad_scale, kl, ce, grad, &bad);
  if (st == MP_ERR_RANGE) *result = static_cast<double>(bad);
  return st == MP_ERR_RANGE ? MP_OK : st;
}

// ceRows(s, labels, rows, cols, ignore, eps, gradScale, loss, grad): -1 or a bad row.
struct CeCall {
  ArrayArg s, labels, loss, grad;
  size_t rows, cols;
  int32_t ignore;
  float eps, grad_scale;
  std::vector<Napi::Object> pinned;
};

CeCall parse_ce(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 9, fn);
  CeCall c;
  c.rows = size_arg(info, 2, fn, "rows");
  c.cols = size_arg(info, 3, fn, "cols");
  const double ignore = number_arg(info, 4, fn, "ignore");
  if (!(ignore >= INT32_MIN && ignore <= INT32_MAX) || ignore != static_cast<double>(static_cast<int32_t>(ignore)))
    throw_range(info.Env(), fn, "ignore must be an int32");
  c.ignore = static_cast<int32_t>(ignore);
  c.eps = finite_arg(info, 5, fn, "eps");
  c.grad_scale = finite_arg(info, 6, fn, "gradScale");
  const size_t n = product(info, fn, c.rows, c.cols);
  c.s = sized_array(info, 0, fn, "s", napi_float32_array, n);
  c.labels = sized_array(info, 1, fn, "labels", napi_int32_array, c.rows);
  c.loss = sized_array(info, 7, fn, "loss", napi_float64_array, c.rows);
  c.grad = optional_array(info, 8, fn, "grad", napi_float32_array, n);
  c.pinned = {c.s.object, c.labels.object, c.loss.object, c.grad.object};
  return c;
}

mp_status run_ce(const CeCall& c, double* result) {
  size_t bad = 0;
  const mp_status st = mp_ce_rows(static_cast<const float*>(c.s.data), static_cast<const int32_t*>(c.labels.data),
                                  c.rows, c.cols, c.ignore, c.eps, c.grad_scale, static_cast<double*>(c.loss.data),
                                  data_or_null<float>(c.grad), &bad);
  *result = st == MP_ERR_RANGE ? static_cast<double>(bad) : -1.0;
  return st == MP_ERR_RANGE ? MP_OK : st;
}

// sqDiff(s, t, gradScale, grad, sum) and cosineRows(s, t, rows, cols, eps, gradScale, loss, grad).
struct PairCall {
  ArrayArg s, t, grad, out;  // out: the sum (1 double) or the per-row losses
  size_t rows, cols;
  float eps, grad_scale;
  bool cosine;
  std::vector<Napi::Object> pinned;
};

PairCall parse_sq_diff(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 5, fn);
  PairCall c;
  c.cosine = false;
  c.eps = 0;
  c.s = typed_array(info, 0, fn, "s", napi_float32_array);
  c.t = sized_array(info, 1, fn, "t", napi_float32_array, c.s.length);
  c.rows = 1;
  c.cols = c.s.length;
  c.grad_scale = finite_arg(info, 2, fn, "gradScale");
  c.grad = optional_array(info, 3, fn, "grad", napi_float32_array, c.s.length);
  c.out = sized_array(info, 4, fn, "sum", napi_float64_array, 1);
  c.pinned = {c.s.object, c.t.object, c.grad.object, c.out.object};
  return c;
}

PairCall parse_cosine(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 8, fn);
  PairCall c;
  c.cosine = true;
  c.rows = size_arg(info, 2, fn, "rows");
  c.cols = size_arg(info, 3, fn, "cols");
  c.eps = finite_arg(info, 4, fn, "eps");
  if (!(c.eps > 0)) throw_range(info.Env(), fn, "eps must be > 0");
  c.grad_scale = finite_arg(info, 5, fn, "gradScale");
  const size_t n = product(info, fn, c.rows, c.cols);
  c.s = sized_array(info, 0, fn, "s", napi_float32_array, n);
  c.t = sized_array(info, 1, fn, "t", napi_float32_array, n);
  c.out = sized_array(info, 6, fn, "loss", napi_float64_array, c.rows);
  c.grad = optional_array(info, 7, fn, "grad", napi_float32_array, n);
  c.pinned = {c.s.object, c.t.object, c.grad.object, c.out.object};
  return c;
}

mp_status run_pair(const PairCall& c, double*) {
  const float* s = static_cast<const float*>(c.s.data);
  const float* t = static_cast<const float*>(c.t.data);
  double* out = static_cast<double*>(c.out.data);
  if (c.cosine) return mp_cosine_rows(s, t, c.rows, c.cols, c.eps, c.grad_scale, out, data_or_null<float>(c.grad));
  return mp_sq_diff(s, t, c.s.length, c.grad_scale, data_or_null<float>(c.grad), out);
}

// channelMeanSq(a, batch, channels, spatial, out) and scaleByMap(a, g, batch, channels, spatial, grad).
struct MapCall {
  ArrayArg a, g, out;
  size_t batch, channels, spatial;
  bool backward;
  std::vector<Napi::Object> pinned;
};

MapCall parse_map(const Napi::CallbackInfo& info, const char* fn, bool backward) {
  const size_t at = backward ? 2 : 1;
  expect_args(info, at + 4, fn);
  MapCall c;
  c.backward = backward;
  c.batch = size_arg(info, at, fn, "batch");
  c.channels = size_arg(info, at + 1, fn, "channels");
  c.spatial = size_arg(info, at + 2, fn, "spatial");
  if (c.channels == 0) throw_range(info.Env(), fn, "channels must be >= 1");
  const size_t maps = product(info, fn, c.batch, c.spatial);
  const size_t n = product(info, fn, maps, c.channels);
  c.a = sized_array(info, 0, fn, "a", napi_float32_array, n);
  if (backward) c.g = sized_array(info, 1, fn, "g", napi_float32_array, maps);
  c.out = sized_array(info, at + 3, fn, backward ? "grad" : "out", napi_float32_array, backward ? n : maps);
  c.pinned = {c.a.object, c.out.object};
  if (backward) c.pinned.push_back(c.g.object);
  return c;
}

MapCall parse_channel_mean_sq(const Napi::CallbackInfo& info, const char* fn) { return parse_map(info, fn, false); }
MapCall parse_scale_by_map(const Napi::CallbackInfo& info, const char* fn) { return parse_map(info, fn, true); }

mp_status run_map(const MapCall& c, double*) {
  const float* a = static_cast<const float*>(c.a.data);
  float* out = static_cast<float*>(c.out.data);
  if (c.backward)
    return mp_scale_by_map(a, static_cast<const float*>(c.g.data), c.batch, c.channels, c.spatial, out);
  return mp_channel_mean_sq(a, c.batch, c.channels, c.spatial, out);
}

}  // namespace

void register_distill(Napi::Env env, Napi::Object exports) {
  define_op<SoftmaxCall>(env, exports, "softmaxRows", parse_softmax, run_softmax);
  define_op<KlCall>(env, exports, "klRows", parse_kl, run_kl);
  define_op<KlCall>(env, exports, "klTopkRows", parse_kl_topk, run_kl);
  define_op<CeCall>(env, exports, "ceRows", parse_ce, run_ce);
  define_op<PairCall>(env, exports, "sqDiff", parse_sq_diff, run_pair);
  define_op<PairCall>(env, exports, "cosineRows", parse_cosine, run_pair);
  define_op<MapCall>(env, exports, "channelMeanSq", parse_channel_mean_sq, run_map);
  define_op<MapCall>(env, exports, "scaleByMap", parse_scale_by_map, run_map);
}

}  // namespace mp_napi
