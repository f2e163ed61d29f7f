// Tests of the C ABI itself (native/include/modelpress.h): every status code, the
// per-axis and blocked walks across chunk offsets, range search with offsets,
// 4-bit packing, one-pass groups, k-means and power-of-two codes, and the CPU cap.
// Exits non-zero on the first failure.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <vector>

#include "modelpress.h"

static int failures = 0;
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                    \
    }                                                                \
  } while (0)

static void statuses() {
  float x[4] = {1, 2, 3, 4}, s1 = 1.0f, bad_scale = 0.0f, nan_scale = NAN;
  int32_t z0 = 0, z200 = 200, zneg = -1;
  uint8_t q[4];
  float out[4];
  CHECK(mp_quantize_linear(x, q, 4, 0, 1, 1, &s1, &z0, 1, MP_QTYPE_INT8) == MP_OK);
  CHECK(mp_quantize_linear(x, q, 4, 0, 1, 1, &s1, &z0, 1, 7) == MP_ERR_QTYPE);
  CHECK(mp_quantize_linear(x, q, 4, 0, 0, 1, &s1, &z0, 0, MP_QTYPE_INT8) == MP_ERR_LAYOUT);
  CHECK(mp_quantize_linear(x, q, 4, 0, 1, 0, &s1, &z0, 1, MP_QTYPE_INT8) == MP_ERR_LAYOUT);
  CHECK(mp_quantize_linear(x, q, 4, 0, 2, 1, &s1, &z0, 1, MP_QTYPE_INT8) == MP_ERR_LAYOUT);
  CHECK(mp_quantize_linear(x, q, 4, 0, 1, 1, &bad_scale, &z0, 1, MP_QTYPE_INT8) == MP_ERR_SCALE);
  CHECK(mp_quantize_linear(x, q, 4, 0, 1, 1, &nan_scale, &z0, 1, MP_QTYPE_INT8) == MP_ERR_SCALE);
  CHECK(mp_quantize_linear(x, q, 4, 0, 1, 1, &s1, &z200, 1, MP_QTYPE_INT8) == MP_ERR_ZERO_POINT);
  CHECK(mp_quantize_linear(x, q, 4, 0, 1, 1, &s1, &zneg, 1, MP_QTYPE_UINT8) == MP_ERR_ZERO_POINT);
  CHECK(mp_quantize_linear(nullptr, q, 4, 0, 1, 1, &s1, &z0, 1, MP_QTYPE_INT8) == MP_ERR_NULL_POINTER);
  CHECK(mp_quantize_linear(x, nullptr, 4, 0, 1, 1, &s1, &z0, 1, MP_QTYPE_INT8) == MP_ERR_NULL_POINTER);
  CHECK(mp_quantize_linear(x, q, 4, 0, 1, 1, nullptr, &z0, 1, MP_QTYPE_INT8) == MP_ERR_NULL_POINTER);
  CHECK(mp_quantize_linear(nullptr, nullptr, 0, 0, 1, 1, &s1, &z0, 1, MP_QTYPE_INT8) == MP_OK);  // empty
  CHECK(mp_dequantize_linear(q, out, 4, 0, 1, 1, &s1, &z0, 1, MP_QTYPE_UINT8) == MP_OK);
  CHECK(mp_dequantize_linear(q, nullptr, 4, 0, 1, 1, &s1, &z0, 1, MP_QTYPE_UINT8) == MP_ERR_NULL_POINTER);
  CHECK(mp_dequantize_linear(q, out, 4, 0, 1, 1, &s1, &z200, 1, MP_QTYPE_INT8) == MP_ERR_ZERO_POINT);
  float mn = INFINITY, mx = -INFINITY;
  size_t bad = 0;
  CHECK(mp_min_max(x, 4, 0, 1, 1, &mn, &mx, 1, &bad) == MP_OK && mn == 1 && mx == 4);
  CHECK(mp_min_max(x, 4, 0, 1, 1, &mn, &mx, 1, nullptr) == MP_ERR_NULL_POINTER);
  CHECK(mp_min_max(x, 4, 0, 2, 1, &mn, &mx, 1, &bad) == MP_ERR_LAYOUT);
}

// Quantizing a per-axis tensor in chunks at any offsets equals quantizing it whole.
static void chunked_walk() {
  const size_t outer = 3, axis_len = 5, inner = 7, n = outer * axis_len * inner;
  std::vector<float> x(n), scales(axis_len);
  std::vector<int32_t> zps(axis_len);
  for (size_t i = 0; i < n; ++i) x[i] = sinf(static_cast<float>(i)) * 40.0f;
  for (size_t p = 0; p < axis_len; ++p) {
    scales[p] = 0.1f + 0.3f * p;
    zps[p] = static_cast<int32_t>(p * 40);
  }
  for (size_t inner_case : {size_t{1}, inner}) {
    const size_t len = inner_case == 1 ? outer * axis_len : n;
    std::vector<uint8_t> whole(len), pieces(len);
    CHECK(mp_quantize_linear(x.data(), whole.data(), len, 0, axis_len, inner_case, scales.data(), zps.data(),
                             axis_len, MP_QTYPE_UINT8) == MP_OK);
    for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{6}, size_t{11}, size_t{64}}) {
      for (size_t off = 0; off < len; off += chunk) {
        const size_t m = off + chunk < len ? chunk : len - off;
        CHECK(mp_quantize_linear(x.data() + off, pieces.data() + off, m, off, axis_len, inner_case, scales.data(),
                                 zps.data(), axis_len, MP_QTYPE_UINT8) == MP_OK);
      }
      CHECK(memcmp(whole.data(), pieces.data(), len) == 0);
      std::vector<float> a(len), b(len);
      CHECK(mp_dequantize_linear(whole.data(), a.data(), len, 0, axis_len, inner_case, scales.data(), zps.data(),
                                 axis_len, MP_QTYPE_UINT8) == MP_OK);
      for (size_t off = 0; off < len; off += chunk) {
        const size_t m = off + chunk < len ? chunk : len - off;
        CHECK(mp_dequantize_linear(whole.data() + off, b.data() + off, m, off, axis_len, inner_case, scales.data(),
                                   zps.data(), axis_len, MP_QTYPE_UINT8) == MP_OK);
      }
      CHECK(memcmp(a.data(), b.data(), len * sizeof(float)) == 0);
    }
  }
}

static void range_with_offsets() {
  std::vector<float> x(100);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 10) - 4.0f;  // columns of a [10, 10]
  float mins[10], maxs[10];
  for (int p = 0; p < 10; ++p) { mins[p] = INFINITY; maxs[p] = -INFINITY; }
  size_t bad = 0;
  for (size_t off = 0; off < 100; off += 13) {
    const size_t m = off + 13 < 100 ? 13 : 100 - off;
    CHECK(mp_min_max(x.data() + off, m, off, 10, 1, mins, maxs, 10, &bad) == MP_OK);
  }
  for (int p = 0; p < 10; ++p) CHECK(mins[p] == p - 4.0f && maxs[p] == p - 4.0f);
  x[57] = NAN;
  x[90] = INFINITY;
  float mn = INFINITY, mx = -INFINITY;
  CHECK(mp_min_max(x.data() + 50, 50, 50, 1, 1, &mn, &mx, 1, &bad) == MP_ERR_NON_FINITE && bad == 57);
  // -0 and +0: every variant reports +0.
  float zeros[3] = {-0.0f, 0.0f, -0.0f};
  mn = INFINITY;
  mx = -INFINITY;
  CHECK(mp_min_max(zeros, 3, 0, 1, 1, &mn, &mx, 1, &bad) == MP_OK && !signbit(mn) && !signbit(mx));
}

static void casts_and_stats() {
  float x[3] = {1.0f, 70000.0f, 1e-9f};
  uint16_t h[3];
  uint64_t counts[3] = {5, 0, 0};  // added to, not overwritten
  CHECK(mp_f32_to_f16(x, h, 3, counts) == MP_OK && counts[0] == 6 && counts[1] == 1 && counts[2] == 0);
  CHECK(h[0] == 0x3C00 && h[1] == 0x7C00 && h[2] == 0x0000);
  CHECK(mp_f32_to_f16(x, h, 3, nullptr) == MP_ERR_NULL_POINTER);
  CHECK(mp_f32_to_bf16(nullptr, h, 3, counts) == MP_ERR_NULL_POINTER);
  float back[3];
  CHECK(mp_f16_to_f32(h, back, 3) == MP_OK && back[0] == 1.0f && isinf(back[1]) && back[2] == 0.0f);
  CHECK(mp_bf16_to_f32(h, nullptr, 3) == MP_ERR_NULL_POINTER);
  CHECK(mp_bf16_to_f32(nullptr, nullptr, 0) == MP_OK);

  float y[4] = {1, 2, 3, 4}, z[4] = {1, 2, 3, 5};
  double sums[14] = {0};
  CHECK(mp_error_sums(y, z, 4, 0, 2, 1, sums, 2) == MP_OK);  // per column of a [2, 2]
  CHECK(sums[0] == 0 && sums[7] == 1 && sums[9] == 1 && sums[13] == 4);
  CHECK(mp_error_sums(y, z, 4, 0, 2, 1, sums, 1) == MP_ERR_LAYOUT);
  CHECK(mp_error_sums(y, nullptr, 4, 0, 1, 1, sums, 1) == MP_ERR_NULL_POINTER);
  uint64_t bins[4] = {0};
  CHECK(mp_histogram(y, 4, 1.0, 4.0, 4, bins) == MP_OK && bins[0] == 1 && bins[1] == 1 && bins[2] == 1 && bins[3] == 1);
  CHECK(mp_histogram(y, 4, 4.0, 1.0, 4, bins) == MP_ERR_RANGE);
  CHECK(mp_histogram(y, 4, 1.0, 1.0, 4, bins) == MP_ERR_RANGE);
  CHECK(mp_histogram(y, 4, 0.0, NAN, 4, bins) == MP_ERR_RANGE);
  CHECK(mp_histogram(y, 4, -1.7e308, 1.7e308, 4, bins) == MP_ERR_RANGE);  // width overflows
  CHECK(mp_histogram(y, 4, 1.0, 1.0 + 1e-300, 4294967295u, bins) == MP_ERR_RANGE);  // bins / width overflows
  CHECK(mp_histogram(y, 4, 0.0, 1.0, 0, bins) == MP_ERR_RANGE);
  uint64_t hb[4] = {0};
  float mn = INFINITY, mx = -INFINITY;
  size_t bad = 0;
  CHECK(mp_histogram_range(y, 4, 0, 1.0, 4.0, 4, hb, &mn, &mx, &bad) == MP_OK && hb[0] == 1 && hb[3] == 1 && mn == 1 &&
        mx == 4);
  float with_nan[3] = {1, NAN, 2};
  CHECK(mp_histogram_range(with_nan, 3, 10, 0.0, 4.0, 4, hb, &mn, &mx, &bad) == MP_ERR_NON_FINITE && bad == 11);
  CHECK(mp_histogram_range(y, 4, 0, 4.0, 1.0, 4, hb, &mn, &mx, &bad) == MP_ERR_RANGE);
  CHECK(mp_histogram_range(y, 4, 0, 1.0, 4.0, 4, hb, nullptr, &mx, &bad) == MP_ERR_NULL_POINTER);
  float zeros[2] = {-0.0f, -0.0f};
  mn = INFINITY;
  mx = -INFINITY;
  CHECK(mp_histogram_range(zeros, 2, 0, -1.0, 1.0, 2, hb, &mn, &mx, &bad) == MP_OK && !signbit(mn) && !signbit(mx));
}

static void fake_quantization() {
  float x[4] = {0.5f, 1.0f, 100.0f, NAN}, out[4], grad[4] = {1, 2, 3, 4}, g[4];
  uint8_t mask[4];
  float s = 0.5f, bad = -1.0f;
  int32_t zp = 0;
  CHECK(mp_fake_quantize(x, out, mask, 4, 0, 1, 1, &s, &zp, 1, MP_QTYPE_INT8) == MP_OK);
  CHECK(out[0] == 0.5f && out[1] == 1.0f && out[2] == 63.5f && out[3] == 0.0f);
  CHECK(mask[0] == 1 && mask[1] == 1 && mask[2] == 0 && mask[3] == 0);
  CHECK(mp_fake_quantize(x, out, nullptr, 4, 0, 1, 1, &s, &zp, 1, MP_QTYPE_INT8) == MP_ERR_NULL_POINTER);
  CHECK(mp_fake_quantize(x, out, mask, 4, 0, 1, 1, &bad, &zp, 1, MP_QTYPE_INT8) == MP_ERR_SCALE);
  CHECK(mp_mask_gradient(grad, mask, g, 4) == MP_OK && g[0] == 1 && g[1] == 2 && g[2] == 0 && g[3] == 0);
  CHECK(mp_mask_gradient(grad, nullptr, g, 4) == MP_ERR_NULL_POINTER);
}

// Blocked layouts, 4-bit packing and one-pass groups: statuses, and a tensor
// streamed in chunks (as the WebAssembly host does) equal to one call.
static void blocks_and_groups() {
  const size_t rows = 5, cols = 37, n = rows * cols, bs = 8, nb = (cols + bs - 1) / bs;
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>((i * 7919) % 201) * 0.37f - 30.0f;
  std::vector<float> scales(rows * nb);
  std::vector<int32_t> zps(rows * nb);
  for (size_t p = 0; p < scales.size(); ++p) {
    scales[p] = 0.5f + static_cast<float>(p % 5);
    zps[p] = static_cast<int32_t>(p % 16) - 8;
  }
  for (int32_t qtype : {MP_QTYPE_INT8, MP_QTYPE_INT4}) {
    const size_t bytes = qtype == MP_QTYPE_INT4 ? (n + 1) / 2 : n;
    std::vector<uint8_t> whole(bytes), pieces(bytes);
    CHECK(mp_quantize_blocked(x.data(), whole.data(), n, 0, cols, 1, bs, scales.data(), zps.data(), scales.size(), qtype) ==
          MP_OK);
    for (size_t off = 0; off < n; off += 24) {  // even chunks: 4-bit chunks start on a byte
      const size_t m = off + 24 < n ? 24 : n - off;
      const size_t b = qtype == MP_QTYPE_INT4 ? off / 2 : off;
      CHECK(mp_quantize_blocked(x.data() + off, pieces.data() + b, m, off, cols, 1, bs, scales.data(), zps.data(),
                                scales.size(), qtype) == MP_OK);
    }
    CHECK(memcmp(whole.data(), pieces.data(), bytes) == 0);
    std::vector<float> a(n), c(n);
    CHECK(mp_dequantize_blocked(whole.data(), a.data(), n, 0, cols, 1, bs, scales.data(), zps.data(), scales.size(),
                                qtype) == MP_OK);
    for (size_t off = 0; off < n; off += 24) {
      const size_t m = off + 24 < n ? 24 : n - off;
      const size_t b = qtype == MP_QTYPE_INT4 ? off / 2 : off;
      CHECK(mp_dequantize_blocked(whole.data() + b, c.data() + off, m, off, cols, 1, bs, scales.data(), zps.data(),
                                  scales.size(), qtype) == MP_OK);
    }
    CHECK(memcmp(a.data(), c.data(), n * sizeof(float)) == 0);
    // every value is within half a step of x where it was not clamped
    for (size_t i = 0; i < n; ++i) {
      const size_t p = i / cols * nb + i % cols / bs;
      const float lo = (-8.0f - zps[p]) * scales[p], hi = (7.0f - zps[p]) * scales[p];
      if (qtype == MP_QTYPE_INT4 && x[i] > lo && x[i] < hi) CHECK(fabsf(a[i] - x[i]) <= scales[p] / 2 * 1.0001f);
    }
  }
  uint8_t q[8];
  float s1 = 1.0f;
  int32_t z0 = 0, z9 = 9;
  CHECK(mp_quantize_blocked(x.data(), q, 8, 1, cols, 1, bs, scales.data(), zps.data(), scales.size(), MP_QTYPE_INT4) ==
        MP_ERR_LAYOUT);  // odd offset of packed data
  CHECK(mp_quantize_blocked(x.data(), q, 8, 0, cols, 1, 0, scales.data(), zps.data(), scales.size(), MP_QTYPE_INT8) ==
        MP_ERR_LAYOUT);
  CHECK(mp_quantize_blocked(x.data(), q, 8, 0, cols, 1, bs, scales.data(), zps.data(), 0, MP_QTYPE_INT8) ==
        MP_ERR_LAYOUT);  // too few parameters
  CHECK(mp_quantize_linear(x.data(), q, 8, 0, 1, 1, &s1, &z9, 1, MP_QTYPE_INT4) == MP_ERR_ZERO_POINT);
  CHECK(mp_quantize_linear(x.data(), q, 8, 0, 1, 1, &s1, &z0, 1, MP_QTYPE_UINT4) == MP_OK);
  float mins[40], maxs[40];
  for (int p = 0; p < 40; ++p) { mins[p] = INFINITY; maxs[p] = -INFINITY; }
  size_t bad = 0;
  CHECK(mp_min_max_blocked(x.data(), n, 0, cols, 1, bs, mins, maxs, rows * nb, &bad) == MP_OK);
  CHECK(mins[0] <= x[0] && maxs[0] >= x[0] && mins[nb] <= x[cols] && maxs[nb] >= x[cols]);

  // groups: one call equals whole rows streamed one at a time; parameters per block
  std::vector<uint8_t> g1((n + 1) / 2), g2((n + 1) / 2);
  std::vector<float> gs1(rows * nb), gs2(rows * nb);
  std::vector<int32_t> gz1(rows * nb), gz2(rows * nb);
  CHECK(mp_quantize_groups(x.data(), g1.data(), n, 0, cols, bs, MP_QTYPE_UINT4, 0, gs1.data(), gz1.data(), &bad) ==
        MP_OK);
  for (size_t r = 0; r < rows; r += 2) {  // two rows (an even count of elements) per call
    const size_t m = (r + 2 <= rows ? 2 : 1) * cols;
    CHECK(mp_quantize_groups(x.data() + r * cols, g2.data() + r * cols / 2, m, r * cols, cols, bs, MP_QTYPE_UINT4, 0,
                             gs2.data() + r * nb, gz2.data() + r * nb, &bad) == MP_OK);
  }
  CHECK(memcmp(g1.data(), g2.data(), g1.size()) == 0 && gs1 == gs2 && gz1 == gz2);
  CHECK(mp_quantize_groups(x.data(), g1.data(), 7, 0, cols, bs, MP_QTYPE_INT8, 1, gs1.data(), gz1.data(), &bad) ==
        MP_ERR_LAYOUT);  // not whole blocks
  x[40] = NAN;
  CHECK(mp_quantize_groups(x.data(), g1.data(), n, 0, cols, bs, MP_QTYPE_INT8, 1, gs1.data(), gz1.data(), &bad) ==
            MP_ERR_NON_FINITE && bad == 40);

  int8_t v[5] = {-8, 7, 1, -1, 3};
  uint8_t packed[3];
  CHECK(mp_pack_int4(reinterpret_cast<uint8_t*>(v), packed, 5, MP_QTYPE_INT4, &bad) == MP_OK);
  CHECK(packed[0] == 0x78 && packed[1] == 0xF1 && packed[2] == 0x03);
  v[3] = 8;
  CHECK(mp_pack_int4(reinterpret_cast<uint8_t*>(v), packed, 5, MP_QTYPE_INT4, &bad) == MP_ERR_RANGE && bad == 3);
  CHECK(mp_pack_int4(reinterpret_cast<uint8_t*>(v), packed, 5, MP_QTYPE_INT8, &bad) == MP_ERR_QTYPE);
  int8_t back[5];
  CHECK(mp_unpack_int4(packed, reinterpret_cast<uint8_t*>(back), 5, MP_QTYPE_INT4) == MP_OK && back[0] == -8 &&
        back[1] == 7 && back[4] == 3);
}

static void codebooks() {
  float x[6] = {-1.0f, -0.9f, 0.0f, 0.1f, 2.0f, 2.2f}, c[4];
  uint8_t idx[6];
  uint32_t it = 0;
  size_t bad = 0;
  CHECK(mp_kmeans(x, 6, 4, 1, 50, 1000, c, idx, &it, &bad) == MP_OK);
  CHECK(c[0] <= c[1] && c[1] <= c[2] && c[2] <= c[3]);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 4; ++j) CHECK(fabsf(x[i] - c[idx[i]]) <= fabsf(x[i] - c[j]));
  }
  CHECK(mp_kmeans(x, 6, 3, 1, 50, 1000, c, idx, &it, &bad) == MP_ERR_RANGE);  // not a power of two
  CHECK(mp_kmeans(x, 0, 4, 1, 50, 1000, c, idx, &it, &bad) == MP_ERR_RANGE);
  x[4] = INFINITY;
  CHECK(mp_kmeans(x, 6, 4, 1, 50, 1000, c, idx, &it, &bad) == MP_ERR_NON_FINITE && bad == 4);
  float table[256] = {0}, out[3];
  table[255] = -2.0f;
  uint8_t codes[3] = {255, 0, 255};
  CHECK(mp_lookup(codes, 3, table, out) == MP_OK && out[0] == -2.0f && out[1] == 0.0f);
  CHECK(mp_lookup(codes, 3, nullptr, out) == MP_ERR_NULL_POINTER);
  float y[3] = {3.0f, -0.3f, 0.0f};
  uint8_t pc[3];
  CHECK(mp_pow2_quantize(y, 3, -2, 1, pc) == MP_OK && pc[0] == 1 && static_cast<int8_t>(pc[1]) == -4 && pc[2] == 0);  // 0.3 is nearest 2^-2: code 1 - (-2) + 1
  CHECK(mp_pow2_quantize(y, 3, -126, 1, pc) == MP_ERR_RANGE);
  CHECK(mp_pow2_quantize(y, 3, 2, 1, pc) == MP_ERR_RANGE);
}

static void sparse() {
  float x[6] = {3.0f, -1.0f, 2.0f, -4.0f, 1.0f, NAN};
  uint32_t counts[2048] = {0};
  size_t bad = 0;
  CHECK(mp_digit_histogram(x, 5, 0, 20, 11, 0, counts, &bad) == MP_OK);
  uint32_t total = 0;
  for (uint32_t c : counts) total += c;
  CHECK(total == 5);
  CHECK(mp_digit_histogram(x, 6, 100, 20, 11, 0, counts, &bad) == MP_ERR_NON_FINITE && bad == 105);
  CHECK(mp_digit_histogram(x, 5, 0, 21, 11, 0, counts, &bad) == MP_ERR_RANGE);  // past 31 bits
  CHECK(mp_digit_histogram(x, 5, 0, 0, 12, 0, counts, &bad) == MP_ERR_RANGE);   // digit too wide
  CHECK(mp_digit_histogram(x, 5, 0, 9, 11, 1u << 11, counts, &bad) == MP_ERR_RANGE);  // prefix too wide
  uint8_t mask[5];
  uint64_t ties = 1;
  uint32_t one;
  const float f1 = 1.0f;
  memcpy(&one, &f1, sizeof one);
  CHECK(mp_threshold_mask(x, 5, one, &ties, mask) == MP_OK && ties == 0);
  CHECK(mask[0] == 1 && mask[1] == 0 && mask[2] == 1 && mask[3] == 1 && mask[4] == 1);  // the first |1| pruned
  CHECK(mp_threshold_mask(x, 5, one, nullptr, mask) == MP_ERR_NULL_POINTER);
  uint64_t kept = 10;
  CHECK(mp_count_nonzero(mask, 5, &kept) == MP_OK && kept == 14);  // added to
}

static void cpu_cap() {
  const char* best = mp_cpu_variant();
  CHECK(strstr(mp_compiled_variants(), best) != nullptr);
  CHECK(mp_set_cpu_cap("no-such-isa") == MP_ERR_VARIANT);
  CHECK(mp_set_cpu_cap(nullptr) == MP_ERR_NULL_POINTER);
  CHECK(mp_set_cpu_cap("scalar") == MP_OK && strcmp(mp_cpu_variant(), "scalar") == 0);
  CHECK(mp_set_cpu_cap(best) == MP_OK && strcmp(mp_cpu_variant(), best) == 0);
}

int main() {
  statuses();
  chunked_walk();
  range_with_offsets();
  casts_and_stats();
  fake_quantization();
  blocks_and_groups();
  codebooks();
  sparse();
  cpu_cap();
  printf("abi_test: %s  variant=%s  compiled=%s  supported=%s\n", failures ? "FAIL" : "PASS", mp_cpu_variant(),
         mp_compiled_variants(), mp_supported_variants());
  return failures ? 1 : 0;
}
