// N-API glue of the sformat family: CSR, bitmask and 2:4 storage and their round
// trips. Lengths are re-checked against the typed arrays.
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

// countNonzeroF32(x): the non-zero elements (bits other than +-0).
struct CountCall {
  ArrayArg x;
  std::vector<Napi::Object> pinned;
};

CountCall parse_count(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 1, fn);
  CountCall c;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.pinned = {c.x.object};
  return c;
}

mp_status run_count(const CountCall& c, double* result) {
  uint64_t n = 0;
  const mp_status s = mp_count_nonzero_f32(static_cast<const float*>(c.x.data), c.x.length, &n);
  *result = static_cast<double>(n);
  return s;
}

// csrCount(x, rows, cols, rowPtr): the total, or -1 beyond INT32_MAX.
// csrEncode(x, rows, cols, rowPtr, values, colIdx): -1, or a row whose count is off.
struct CsrCall {
  ArrayArg x, row_ptr, values, col_idx;
  size_t rows, cols;
  std::vector<Napi::Object> pinned;
};

CsrCall parse_csr(const Napi::CallbackInfo& info, const char* fn, bool encode) {
  expect_args(info, encode ? 6 : 4, fn);
  CsrCall c;
  c.rows = size_arg(info, 1, fn, "rows");
  c.cols = size_arg(info, 2, fn, "cols");
  c.x = sized_array(info, 0, fn, "x", napi_float32_array, product(info, fn, c.rows, c.cols));
  c.row_ptr = sized_array(info, 3, fn, "rowPtr", napi_int32_array, c.rows + 1);
  c.pinned = {c.x.object, c.row_ptr.object};
  if (encode) {
    c.values = typed_array(info, 4, fn, "values", napi_float32_array);
    c.col_idx = sized_array(info, 5, fn, "colIdx", napi_int32_array, c.values.length);
    const int32_t* rp = static_cast<const int32_t*>(c.row_ptr.data);
    if (rp[c.rows] < 0 || static_cast<size_t>(rp[c.rows]) != c.values.length)
      throw_range(info.Env(), fn, "values must have rowPtr[rows] entries");
    c.pinned.push_back(c.values.object);
    c.pinned.push_back(c.col_idx.object);
  }
  return c;
}

CsrCall parse_csr_count(const Napi::CallbackInfo& info, const char* fn) { return parse_csr(info, fn, false); }
CsrCall parse_csr_encode(const Napi::CallbackInfo& info, const char* fn) { return parse_csr(info, fn, true); }

mp_status run_csr_count(const CsrCall& c, double* result) {
  int32_t* rp = static_cast<int32_t*>(c.row_ptr.data);
  const mp_status s = mp_csr_count(static_cast<const float*>(c.x.data), c.rows, c.cols, rp);
  *result = s == MP_ERR_RANGE ? -1.0 : static_cast<double>(rp[c.rows]);
  return s == MP_ERR_RANGE ? MP_OK : s;
}

mp_status run_csr_encode(const CsrCall& c, double* result) {
  size_t bad = 0;
  const mp_status s = mp_csr_encode(static_cast<const float*>(c.x.data), c.rows, c.cols,
                                    static_cast<const int32_t*>(c.row_ptr.data), static_cast<float*>(c.values.data),
                                    static_cast<int32_t*>(c.col_idx.data), &bad);
  *result = s == MP_ERR_RANGE ? static_cast<double>(bad) : -1.0;
  return s == MP_ERR_RANGE ? MP_OK : s;
}

// csrDecode(rowPtr, colIdx, values, rows, cols, out): -1, or the first entry whose
// column is out of range or not increasing (row pointers are checked by the caller;
// the C ABI re-checks them).
struct DecodeCall {
  ArrayArg row_ptr, col_idx, values, out;
  size_t rows, cols;
  std::vector<Napi::Object> pinned;
};

DecodeCall parse_decode(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 6, fn);
  DecodeCall c;
  c.rows = size_arg(info, 3, fn, "rows");
  c.cols = size_arg(info, 4, fn, "cols");
  c.row_ptr = sized_array(info, 0, fn, "rowPtr", napi_int32_array, c.rows + 1);
  c.col_idx = typed_array(info, 1, fn, "colIdx", napi_int32_array);
  c.values = sized_array(info, 2, fn, "values", napi_float32_array, c.col_idx.length);
  c.out = sized_array(info, 5, fn, "out", napi_float32_array, product(info, fn, c.rows, c.cols));
  c.pinned = {c.row_ptr.object, c.col_idx.object, c.values.object, c.out.object};
  return c;
}

mp_status run_decode(const DecodeCall& c, double* result) {
  size_t bad = 0;
  const mp_status s = mp_csr_decode(static_cast<const int32_t*>(c.row_ptr.data), static_cast<const int32_t*>(c.col_idx.data),
                                    static_cast<const float*>(c.values.data), c.col_idx.length, c.rows, c.cols,
                                    static_cast<float*>(c.out.data), &bad);
  *result = s == MP_ERR_RANGE ? static_cast<double>(bad) : -1.0;
  return s == MP_ERR_RANGE ? MP_OK : s;
}

// bitmaskEncode(x, bits, values): the count written (values sized by the caller).
// bitmaskDecode(bits, values, out): -1, or 1 if the mask selects more than values holds.
struct BitmaskCall {
  ArrayArg x, bits, values;  // x is the dense side: the input of encode, the output of decode
  std::vector<Napi::Object> pinned;
};

BitmaskCall parse_bitmask_encode(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 3, fn);
  BitmaskCall c;
  c.x = typed_array(info, 0, fn, "x", napi_float32_array);
  c.bits = sized_array(info, 1, fn, "bits", napi_uint8_array, (c.x.length + 7) / 8);
  c.values = typed_array(info, 2, fn, "values", napi_float32_array);
  c.pinned = {c.x.object, c.bits.object, c.values.object};
  return c;
}

mp_status run_bitmask_encode(const BitmaskCall& c, double* result) {
  uint64_t count = 0;
  const mp_status s = mp_bitmask_encode(static_cast<const float*>(c.x.data), c.x.length, static_cast<uint8_t*>(c.bits.data),
                                        static_cast<float*>(c.values.data), c.values.length, &count);
  *result = static_cast<double>(count);
  return s;
}

BitmaskCall parse_bitmask_decode(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 3, fn);
  BitmaskCall c;
  c.x = typed_array(info, 2, fn, "out", napi_float32_array);
  c.bits = sized_array(info, 0, fn, "bits", napi_uint8_array, (c.x.length + 7) / 8);
  c.values = typed_array(info, 1, fn, "values", napi_float32_array);
  c.pinned = {c.x.object, c.bits.object, c.values.object};
  return c;
}

mp_status run_bitmask_decode(const BitmaskCall& c, double* result) {
  const mp_status s = mp_bitmask_decode(static_cast<const uint8_t*>(c.bits.data), static_cast<const float*>(c.values.data),
                                        c.values.length, c.x.length, static_cast<float*>(c.x.data));
  *result = s == MP_ERR_RANGE ? 1.0 : -1.0;
  return s == MP_ERR_RANGE ? MP_OK : s;
}

// pack24(x, rows, cols, values, meta) / unpack24(values, meta, rows, cols, out):
// -1, or the flat index of the first bad group.
struct Pack24Call {
  ArrayArg dense, values, meta;
  size_t rows, cols;
  std::vector<Napi::Object> pinned;
};

void parse_pack24_common(const Napi::CallbackInfo& info, const char* fn, Pack24Call& c, size_t rows_at) {
  c.rows = size_arg(info, rows_at, fn, "rows");
  c.cols = size_arg(info, rows_at + 1, fn, "cols");
  if (c.cols % 4 != 0) throw_range(info.Env(), fn, "cols must be a multiple of 4");
  const size_t n = product(info, fn, c.rows, c.cols);
  (void)n;
}

Pack24Call parse_pack24(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 5, fn);
  Pack24Call c;
  parse_pack24_common(info, fn, c, 1);
  c.dense = sized_array(info, 0, fn, "x", napi_float32_array, c.rows * c.cols);
  c.values = sized_array(info, 3, fn, "values", napi_float32_array, c.rows * (c.cols / 2));
  c.meta = sized_array(info, 4, fn, "meta", napi_uint8_array, c.rows * ((c.cols + 7) / 8));
  c.pinned = {c.dense.object, c.values.object, c.meta.object};
  return c;
}

Pack24Call parse_unpack24(const Napi::CallbackInfo& info, const char* fn) {
  expect_args(info, 5, fn);
  Pack24Call c;
  parse_pack24_common(info, fn, c, 2);
  c.values = sized_array(info, 0, fn, "values", napi_float32_array, c.rows * (c.cols / 2));
  c.meta = sized_array(info, 1, fn, "meta", napi_uint8_array, c.rows * ((c.cols + 7) / 8));
  c.dense = sized_array(info, 4, fn, "out", napi_float32_array, c.rows * c.cols);
  c.pinned = {c.dense.object, c.values.object, c.meta.object};
  return c;
}

mp_status run_pack24(const Pack24Call& c, double* result) {
  size_t bad = 0;
  const mp_status s = mp_pack24(static_cast<const float*>(c.dense.data), c.rows, c.cols, static_cast<float*>(c.values.data),
                                static_cast<uint8_t*>(c.meta.data), &bad);
  *result = s == MP_ERR_RANGE ? static_cast<double>(bad) : -1.0;
  return s == MP_ERR_RANGE ? MP_OK : s;
}

mp_status run_unpack24(const Pack24Call& c, double* result) {
  size_t bad = 0;
  const mp_status s = mp_unpack24(static_cast<const float*>(c.values.data), static_cast<const uint8_t*>(c.meta.data), c.rows,
                                  c.cols, static_cast<float*>(c.dense.data), &bad);
  *result = s == MP_ERR_RANGE ? static_cast<double>(bad) : -1.0;
  return s == MP_ERR_RANGE ? MP_OK : s;
}

}  // namespace

void register_sformat(Napi::Env env, Napi::Object exports) {
  define_op<CountCall>(env, exports, "countNonzeroF32", parse_count, run_count);
  define_op<CsrCall>(env, exports, "csrCount", parse_csr_count, run_csr_count);
  define_op<CsrCall>(env, exports, "csrEncode", parse_csr_encode, run_csr_encode);
  define_op<DecodeCall>(env, exports, "csrDecode", parse_decode, run_decode);
  define_op<BitmaskCall>(env, exports, "bitmaskEncode", parse_bitmask_encode, run_bitmask_encode);
  define_op<BitmaskCall>(env, exports, "bitmaskDecode", parse_bitmask_decode, run_bitmask_decode);
  define_op<Pack24Call>(env, exports, "pack24", parse_pack24, run_pack24);
  define_op<Pack24Call>(env, exports, "unpack24", parse_unpack24, run_unpack24);
}

}  // namespace mp_napi
