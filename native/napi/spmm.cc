// N-API glue of the spmm family: CSR, 2:4 and dense products. Lengths are
// re-checked against the typed arrays.
#include <napi.h>

#include <stdint.h>

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

// The sparse or dense left operand A [rows, cols] and the right one: a vector
// (k = 0 in the call: x of cols, y of rows) or a matrix B [cols, k] (C [rows, k]).
enum class Format { kCsr, kNm24, kDense };

struct ProductCall {
  Format format;
  bool matrix;
  ArrayArg a0, a1, a2;  // CSR: rowPtr, colIdx, values; 2:4: values, meta; dense: a
  ArrayArg b, c;
  size_t rows, cols, k;
  std::vector<Napi::Object> pinned;
};

// Arguments: the A arrays, rows, cols, then b, [k,] c.
ProductCall parse_product(const Napi::CallbackInfo& info, const char* fn, Format format, bool matrix) {
  const size_t a_args = format == Format::kCsr ? 3 : format == Format::kNm24 ? 2 : 1;
  expect_args(info, a_args + 2 + (matrix ? 3 : 2), fn);
  ProductCall p;
  p.format = format;
  p.matrix = matrix;
  p.rows = size_arg(info, a_args, fn, "rows");
  p.cols = size_arg(info, a_args + 1, fn, "cols");
  const size_t at = a_args + 2;
  p.k = matrix ? size_arg(info, at + 1, fn, "k") : 1;
  const size_t dense = product(info, fn, p.rows, p.cols);
  if (format == Format::kCsr) {
    p.a0 = sized_array(info, 0, fn, "rowPtr", napi_int32_array, p.rows + 1);
    p.a1 = typed_array(info, 1, fn, "colIdx", napi_int32_array);
    p.a2 = sized_array(info, 2, fn, "values", napi_float32_array, p.a1.length);
  } else if (format == Format::kNm24) {
    if (p.cols % 4 != 0) throw_range(info.Env(), fn, "cols must be a multiple of 4");
    p.a0 = sized_array(info, 0, fn, "values", napi_float32_array, dense / 2);
    p.a1 = sized_array(info, 1, fn, "meta", napi_uint8_array, p.rows * ((p.cols + 7) / 8));
  } else {
    p.a0 = sized_array(info, 0, fn, "a", napi_float32_array, dense);
  }
  p.b = sized_array(info, at, fn, matrix ? "b" : "x", napi_float32_array, product(info, fn, p.cols, p.k));
  p.c = sized_array(info, matrix ? at + 2 : at + 1, fn, matrix ? "c" : "y", napi_float32_array,
                    product(info, fn, p.rows, p.k));
  p.pinned = {p.a0.object, p.b.object, p.c.object};
  if (format != Format::kDense) p.pinned.push_back(p.a1.object);
  if (format == Format::kCsr) p.pinned.push_back(p.a2.object);
  return p;
}

mp_status run_product(const ProductCall& p, double* result) {
  const float* b = static_cast<const float*>(p.b.data);
  float* c = static_cast<float*>(p.c.data);
  mp_status s;
  if (p.format == Format::kCsr) {
    const int32_t* rp = static_cast<const int32_t*>(p.a0.data);
    const int32_t* ci = static_cast<const int32_t*>(p.a1.data);
    const float* v = static_cast<const float*>(p.a2.data);
    s = p.matrix ? mp_csr_matmul(rp, ci, v, p.a1.length, p.rows, p.cols, b, p.k, c)
                 : mp_csr_matvec(rp, ci, v, p.a1.length, p.rows, p.cols, b, c);
  } else if (p.format == Format::kNm24) {
    const float* v = static_cast<const float*>(p.a0.data);
    const uint8_t* m = static_cast<const uint8_t*>(p.a1.data);
    s = p.matrix ? mp_nm24_matmul(v, m, p.rows, p.cols, b, p.k, c) : mp_nm24_matvec(v, m, p.rows, p.cols, b, c);
  } else {
    const float* a = static_cast<const float*>(p.a0.data);
    s = p.matrix ? mp_dense_matmul(a, p.rows, p.cols, b, p.k, c) : mp_dense_matvec(a, p.rows, p.cols, b, c);
  }
  // A bad column of a CSR is reported as 1 (the caller finds which to name it).
  *result = s == MP_ERR_RANGE ? 1.0 : -1.0;
  return s == MP_ERR_RANGE ? MP_OK : s;
}

template <Format F, bool M>
ProductCall parse(const Napi::CallbackInfo& info, const char* fn) {
  return parse_product(info, fn, F, M);
}

}  // namespace

void register_spmm(Napi::Env env, Napi::Object exports) {
  define_op<ProductCall>(env, exports, "csrMatVec", parse<Format::kCsr, false>, run_product);
  define_op<ProductCall>(env, exports, "csrMatMul", parse<Format::kCsr, true>, run_product);
  define_op<ProductCall>(env, exports, "nm24MatVec", parse<Format::kNm24, false>, run_product);
  define_op<ProductCall>(env, exports, "nm24MatMul", parse<Format::kNm24, true>, run_product);
  define_op<ProductCall>(env, exports, "denseMatVec", parse<Format::kDense, false>, run_product);
  define_op<ProductCall>(env, exports, "denseMatMul", parse<Format::kDense, true>, run_product);
}

}  // namespace mp_napi
