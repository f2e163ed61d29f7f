// simd128.cc, WebAssembly SIMD128: block_pool (block sums / maxima) and expand_blocks.
// Included only by simd128.cc, inside its namespace mp::{anonymous}: relies on
// that file's includes, using-declarations and helpers being in effect.
#ifndef MODELPRESS_PRUNE_SIMD128_POOL_H
#define MODELPRESS_PRUNE_SIMD128_POOL_H

// ---------------------------------------------------------------------------
// block_pool

// The 4 * BW floats of 4 consecutive blocks BW = 1, 2 or 4 wide (8 blocks for
// BW = 1), deinterleaved: v[k] holds column k of the 4 blocks.
template <int BW>
inline void by_column(const float* p, v128_t* v) {
  if (BW == 1) {
    v[0] = wasm_v128_load(p);
    v[1] = wasm_v128_load(p + 4);
  } else if (BW == 2) {
    const v128_t a = wasm_v128_load(p), b = wasm_v128_load(p + 4);
    v[0] = wasm_i32x4_shuffle(a, b, 0, 2, 4, 6);
    v[1] = wasm_i32x4_shuffle(a, b, 1, 3, 5, 7);
  } else {
    // One block per vector: a 4x4 transpose.
    const v128_t a = wasm_v128_load(p), b = wasm_v128_load(p + 4), c = wasm_v128_load(p + 8), d = wasm_v128_load(p + 12);
    const v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
    const v128_t t2 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
    v[0] = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
    v[1] = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
    v[2] = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
    v[3] = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
  }
}

// S / count for 4 block sums (two halves), as floats: a multiplication by the
// exact reciprocal when there is one, else the division.
inline v128_t block_means(v128_t lo, v128_t hi, double inv, double count) {
  if (inv != 0) {
    lo = wasm_f64x2_mul(lo, wasm_f64x2_splat(inv));
    hi = wasm_f64x2_mul(hi, wasm_f64x2_splat(inv));
  } else {
    lo = wasm_f64x2_div(lo, wasm_f64x2_splat(count));
    hi = wasm_f64x2_div(hi, wasm_f64x2_splat(count));
  }
  return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// The whole steps of 4 blocks BW wide (8 for BW = 1); returns the blocks done.
// Mean: column sums over the bh rows, then the columns added in order (all in
// double; the first add, 0 + colsum, is exact). Max: over the rows first, then
// over the columns.
template <int BW>
size_t pool_fast(const float* x, size_t bh, size_t cols, size_t stride, uint32_t mode, float* out, bool* nan) {
  constexpr int kV = BW == 1 ? 2 : BW;  // vectors per row and step
  constexpr size_t kBlocks = BW == 1 ? 8 : 4;
  const size_t steps = cols / (kBlocks * BW);
  if (mode == 1) {
    v128_t top = wasm_i32x4_splat(0);
    for (size_t g = 0; g < steps; ++g) {
      v128_t m[kV];
      for (int k = 0; k < kV; ++k) m[k] = wasm_i32x4_splat(0);
      for (size_t r = 0; r < bh; ++r) {
        v128_t v[kV];
        by_column<BW>(x + g * kBlocks * BW + r * stride, v);
        for (int k = 0; k < kV; ++k) m[k] = wasm_u32x4_max(m[k], keys(v[k]));
      }
      if (BW == 1) {
        top = wasm_u32x4_max(top, wasm_u32x4_max(m[0], m[1]));
        wasm_v128_store(out + kBlocks * g, m[0]);
        wasm_v128_store(out + kBlocks * g + 4, m[1]);
        continue;
      }
      v128_t b = m[0];
      for (int k = 1; k < kV; ++k) b = wasm_u32x4_max(b, m[k]);
      top = wasm_u32x4_max(top, b);
      wasm_v128_store(out + kBlocks * g, b);
    }
    *nan |= max_lane(top) > kInfKey;
    return steps * kBlocks;
  }
  const double count = static_cast<double>(bh * BW), inv = exact_reciprocal(bh * BW);
  v128_t ok = wasm_i32x4_splat(-1);
  for (size_t g = 0; g < steps; ++g) {
    v128_t acc[kV][2];
    for (int k = 0; k < kV; ++k) acc[k][0] = acc[k][1] = wasm_f64x2_splat(0);
    for (size_t r = 0; r < bh; ++r) {
      v128_t v[kV];
      by_column<BW>(x + g * kBlocks * BW + r * stride, v);
      for (int k = 0; k < kV; ++k) {
        const v128_t f = wasm_f32x4_abs(v[k]);
        acc[k][0] = wasm_f64x2_add(acc[k][0], low_f64(f));
        acc[k][1] = wasm_f64x2_add(acc[k][1], high_f64(f));
      }
    }
    if (BW == 1) {
      for (int k = 0; k < 2; ++k) {
        ok = wasm_v128_and(ok, wasm_v128_and(wasm_f64x2_eq(acc[k][0], acc[k][0]), wasm_f64x2_eq(acc[k][1], acc[k][1])));
        wasm_v128_store(out + kBlocks * g + 4 * k, block_means(acc[k][0], acc[k][1], inv, count));
      }
      continue;
    }
    v128_t lo = acc[0][0], hi = acc[0][1];
    for (int k = 1; k < kV; ++k) {
      lo = wasm_f64x2_add(lo, acc[k][0]);
      hi = wasm_f64x2_add(hi, acc[k][1]);
    }
    ok = wasm_v128_and(ok, wasm_v128_and(wasm_f64x2_eq(lo, lo), wasm_f64x2_eq(hi, hi)));  // NaN iff some x is
    wasm_v128_store(out + kBlocks * g, block_means(lo, hi, inv, count));
  }
  *nan |= !wasm_i64x2_all_true(ok);
  return steps * kBlocks;
}

// colsum[c] for c < n as prune_parts::pool_columns: 4 columns at a time, the rest
// by the scalar part.
bool pool_columns_v(const float* x, size_t bh, size_t n, size_t stride, uint32_t mode, double* colsum) {
  v128_t top = wasm_i32x4_splat(0);
  size_t c = 0;
  for (; c + 4 <= n; c += 4) {
    if (mode == 1) {
      v128_t a = wasm_i32x4_splat(0);
      for (size_t r = 0; r < bh; ++r) a = wasm_u32x4_max(a, keys(wasm_v128_load(x + r * stride + c)));
      top = wasm_u32x4_max(top, a);
      wasm_v128_store(colsum + c, low_f64(a));
      wasm_v128_store(colsum + c + 2, high_f64(a));
    } else {
      v128_t s0 = wasm_f64x2_splat(0), s1 = wasm_f64x2_splat(0);
      for (size_t r = 0; r < bh; ++r) {
        const v128_t v = wasm_v128_load(x + r * stride + c);
        top = wasm_u32x4_max(top, keys(v));
        const v128_t f = wasm_f32x4_abs(v);
        s0 = wasm_f64x2_add(s0, low_f64(f));
        s1 = wasm_f64x2_add(s1, high_f64(f));
      }
      wasm_v128_store(colsum + c, s0);
      wasm_v128_store(colsum + c + 2, s1);
    }
  }
  const bool nan = max_lane(top) > kInfKey;
  return (c < n && pool_columns(x, bh, stride, c, n, mode, colsum)) || nan;
}

// Any block width: colsum for a chunk of blocks, then each block from it.
bool pool_generic(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode, double* colsum,
                  float* out) {
  bool nan = false;
  const size_t nblocks = cols / bw + (cols % bw != 0);
  size_t per = kPoolChunkColumns / bw;
  if (per < 1) per = 1;
  for (size_t b0 = 0; b0 < nblocks; b0 += per) {
    const size_t nb = nblocks - b0 < per ? nblocks - b0 : per;
    const size_t c0 = b0 * bw, n = nb == nblocks - b0 ? cols - c0 : nb * bw;
    nan |= pool_columns_v(x + c0, bh, n, stride, mode, colsum + c0);
    for (size_t b = 0; b < nb; ++b) {
      const size_t w = n - b * bw < bw ? n - b * bw : bw;
      out[b0 + b] = pool_block(colsum + c0 + b * bw, w, bh, mode);
    }
  }
  return nan;
}

bool block_pool_simd128(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                        double* colsum, float* out) {
  bool nan = false;
  size_t done = 0;  // blocks
  if (bw == 1) done = pool_fast<1>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 2) done = pool_fast<2>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 4) done = pool_fast<4>(x, bh, cols, stride, mode, out, &nan);
  const size_t c = done * bw;
  if (c < cols) nan |= pool_generic(x + c, bh, cols - c, stride, bw, mode, colsum, out + done);
  return nan;
}

// ---------------------------------------------------------------------------
// expand_blocks
//
// Widths 2-16: 16 / bw blocks per 16 bytes through one swizzle with byte j -> j /
// bw (a table per width); a step stores 16 bytes and the next one overwrites those
// past its own; the last block bytes come from a zero-padded copy, so as not to
// read past the block mask. Width 1 is a copy, wider blocks runs of a splatted
// byte. The last partial step goes a byte at a time.

struct ExpandPatterns {
  uint8_t p[17][16];
  constexpr ExpandPatterns() : p() {
    for (int bw = 1; bw <= 16; ++bw) {
      for (int j = 0; j < 16; ++j) p[bw][j] = static_cast<uint8_t>(j / bw < 16 / bw ? j / bw : 0);
    }
  }
};
constexpr ExpandPatterns kExpand;

void expand_blocks_simd128(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row) {
  const size_t nblocks = cols / bw + (cols % bw != 0);
  size_t c = 0, b = 0;
  if (bw == 1) {
    for (; c + 16 <= cols; c += 16) wasm_v128_store(row + c, wasm_v128_load(bm + c));
    b = c;
  } else if (bw <= 16) {
    const size_t nb = 16 / bw, step = nb * bw;
    const v128_t idx = wasm_v128_load(kExpand.p[bw]);
    for (; c + 16 <= cols && b + 16 <= nblocks; c += step, b += nb)
      wasm_v128_store(row + c, wasm_i8x16_swizzle(wasm_v128_load(bm + b), idx));
    if (c + 16 <= cols) {  // fewer than 16 block bytes left: a zero-padded copy
      uint8_t pad[32] = {};
      memcpy(pad, bm + b, nblocks - b);
      for (size_t i = 0; c + 16 <= cols; c += step, b += nb, i += nb)
        wasm_v128_store(row + c, wasm_i8x16_swizzle(wasm_v128_load(pad + i), idx));
    }
  } else {
    for (; c + bw <= cols; c += bw, ++b) {
      const v128_t v = wasm_i8x16_splat(static_cast<int8_t>(bm[b]));
      size_t i = 0;
      for (; i + 16 <= bw; i += 16) wasm_v128_store(row + c + i, v);
      if (i < bw) wasm_v128_store(row + c + bw - 16, v);  // overlaps the previous store
    }
  }
  // c = b * bw, a block boundary.
  if (c < cols) expand_run(bm + b, cols - c, bw, row + c);
}

#endif  // MODELPRESS_PRUNE_SIMD128_POOL_H
