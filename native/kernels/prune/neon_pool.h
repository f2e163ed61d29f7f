// neon.cc, NEON: block_pool (block sums / maxima) and expand_blocks.
// Included only by neon.cc, inside its namespace mp::{anonymous}: relies on
// that file's includes, using-declarations and helpers being in effect.
#ifndef MODELPRESS_PRUNE_NEON_POOL_H
#define MODELPRESS_PRUNE_NEON_POOL_H

// ---------------------------------------------------------------------------
// block_pool

// The 4 * BW floats of 4 consecutive blocks BW = 1..4 wide (8 blocks for BW = 1),
// deinterleaved: v[k] holds column k of the 4 blocks.
template <int BW>
inline void by_column(const float* p, float32x4_t* v) {
  if (BW == 1) {
    v[0] = vld1q_f32(p);
    v[1] = vld1q_f32(p + 4);
  } else if (BW == 2) {
    const float32x4x2_t t = vld2q_f32(p);
    v[0] = t.val[0];
    v[1] = t.val[1];
  } else if (BW == 3) {
    const float32x4x3_t t = vld3q_f32(p);
    for (int k = 0; k < 3; ++k) v[k] = t.val[k];
  } else {
    const float32x4x4_t t = vld4q_f32(p);
    for (int k = 0; k < 4; ++k) v[k] = t.val[k];
  }
}

// S / count for 4 block sums (two halves), as floats: a multiplication by the
// exact reciprocal when there is one, else the division.
inline float32x4_t block_means(float64x2_t lo, float64x2_t hi, double inv, double count) {
  if (inv != 0) {
    lo = vmulq_n_f64(lo, inv);
    hi = vmulq_n_f64(hi, inv);
  } else {
    lo = vdivq_f64(lo, vdupq_n_f64(count));
    hi = vdivq_f64(hi, vdupq_n_f64(count));
  }
  return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi);
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
    uint32x4_t top = vdupq_n_u32(0);
    for (size_t g = 0; g < steps; ++g) {
      uint32x4_t m[kV];
      for (int k = 0; k < kV; ++k) m[k] = vdupq_n_u32(0);
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + g * kBlocks * BW + r * stride;
        if (bh > 1) __builtin_prefetch(q + kPrefetch);
        float32x4_t v[kV];
        by_column<BW>(q, v);
        for (int k = 0; k < kV; ++k) m[k] = vmaxq_u32(m[k], keys(v[k]));
      }
      if (BW == 1) {
        top = vmaxq_u32(top, vmaxq_u32(m[0], m[1]));
        vst1q_f32(out + kBlocks * g, vreinterpretq_f32_u32(m[0]));
        vst1q_f32(out + kBlocks * g + 4, vreinterpretq_f32_u32(m[1]));
        continue;
      }
      uint32x4_t b = m[0];
      for (int k = 1; k < kV; ++k) b = vmaxq_u32(b, m[k]);
      top = vmaxq_u32(top, b);
      vst1q_f32(out + kBlocks * g, vreinterpretq_f32_u32(b));
    }
    *nan |= vmaxvq_u32(top) > kInfKey;
    return steps * kBlocks;
  }
  const double count = static_cast<double>(bh * BW), inv = exact_reciprocal(bh * BW);
  uint64x2_t ok = vdupq_n_u64(~uint64_t{0});
  for (size_t g = 0; g < steps; ++g) {
    float64x2_t acc[kV][2];
    for (int k = 0; k < kV; ++k) acc[k][0] = acc[k][1] = vdupq_n_f64(0);
    for (size_t r = 0; r < bh; ++r) {
      const float* q = x + g * kBlocks * BW + r * stride;
      if (bh > 1) __builtin_prefetch(q + kPrefetch);
      float32x4_t v[kV];
      by_column<BW>(q, v);
      for (int k = 0; k < kV; ++k) {
        const float32x4_t f = vabsq_f32(v[k]);
        acc[k][0] = vaddq_f64(acc[k][0], vcvt_f64_f32(vget_low_f32(f)));
        acc[k][1] = vaddq_f64(acc[k][1], vcvt_high_f64_f32(f));
      }
    }
    if (BW == 1) {
      for (int k = 0; k < 2; ++k) {
        ok = vandq_u64(ok, vandq_u64(vceqq_f64(acc[k][0], acc[k][0]), vceqq_f64(acc[k][1], acc[k][1])));
        vst1q_f32(out + kBlocks * g + 4 * k, block_means(acc[k][0], acc[k][1], inv, count));
      }
      continue;
    }
    float64x2_t lo = acc[0][0], hi = acc[0][1];
    for (int k = 1; k < kV; ++k) {
      lo = vaddq_f64(lo, acc[k][0]);
      hi = vaddq_f64(hi, acc[k][1]);
    }
    ok = vandq_u64(ok, vandq_u64(vceqq_f64(lo, lo), vceqq_f64(hi, hi)));  // NaN iff some x is
    vst1q_f32(out + kBlocks * g, block_means(lo, hi, inv, count));
  }
  *nan |= vminvq_u32(vreinterpretq_u32_u64(ok)) == 0;
  return steps * kBlocks;
}

// colsum[c] for c < n as prune_parts::pool_columns: 4 columns at a time, the rest
// by the scalar part.
bool pool_columns_v(const float* x, size_t bh, size_t n, size_t stride, uint32_t mode, double* colsum) {
  uint32x4_t top = vdupq_n_u32(0);
  size_t c = 0;
  for (; c + 4 <= n; c += 4) {
    if (mode == 1) {
      uint32x4_t a = vdupq_n_u32(0);
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) __builtin_prefetch(q + kPrefetch);
        a = vmaxq_u32(a, keys(vld1q_f32(q)));
      }
      top = vmaxq_u32(top, a);
      const float32x4_t f = vreinterpretq_f32_u32(a);
      vst1q_f64(colsum + c, vcvt_f64_f32(vget_low_f32(f)));
      vst1q_f64(colsum + c + 2, vcvt_high_f64_f32(f));
    } else {
      float64x2_t s0 = vdupq_n_f64(0), s1 = vdupq_n_f64(0);
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) __builtin_prefetch(q + kPrefetch);
        top = vmaxq_u32(top, keys(vld1q_f32(q)));
        const float32x4_t f = vabsq_f32(vld1q_f32(q));
        s0 = vaddq_f64(s0, vcvt_f64_f32(vget_low_f32(f)));
        s1 = vaddq_f64(s1, vcvt_high_f64_f32(f));
      }
      vst1q_f64(colsum + c, s0);
      vst1q_f64(colsum + c + 2, s1);
    }
  }
  const bool nan = vmaxvq_u32(top) > kInfKey;
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

bool block_pool_neon(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                     double* colsum, float* out) {
  bool nan = false;
  size_t done = 0;  // blocks
  if (bw == 1) done = pool_fast<1>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 2) done = pool_fast<2>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 3) done = pool_fast<3>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 4) done = pool_fast<4>(x, bh, cols, stride, mode, out, &nan);
  const size_t c = done * bw;
  if (c < cols) nan |= pool_generic(x + c, bh, cols - c, stride, bw, mode, colsum, out + done);
  return nan;
}

// ---------------------------------------------------------------------------
// expand_blocks
//
// Widths 2-4: 16 block bytes stored 2, 3 or 4 times interleaved (ST2/ST3/ST4).
// Widths 5-16: 16 / bw blocks per 16 bytes through one TBL with byte j -> j / bw
// (a table per width); a step stores 16 bytes and the next one overwrites those
// past its own; the last block bytes come from a zero-padded copy, so as not to
// read past the block mask. Width 1 is a copy, wider blocks runs of a broadcast
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

void expand_blocks_neon(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row) {
  const size_t nblocks = cols / bw + (cols % bw != 0);
  size_t c = 0, b = 0;
  if (bw == 1) {
    for (; c + 16 <= cols; c += 16) vst1q_u8(row + c, vld1q_u8(bm + c));
    b = c;
  } else if (bw == 2) {
    for (; c + 32 <= cols; c += 32, b += 16) {
      const uint8x16_t v = vld1q_u8(bm + b);
      vst2q_u8(row + c, (uint8x16x2_t{{v, v}}));
    }
  } else if (bw == 3) {
    for (; c + 48 <= cols; c += 48, b += 16) {
      const uint8x16_t v = vld1q_u8(bm + b);
      vst3q_u8(row + c, (uint8x16x3_t{{v, v, v}}));
    }
  } else if (bw == 4) {
    for (; c + 64 <= cols; c += 64, b += 16) {
      const uint8x16_t v = vld1q_u8(bm + b);
      vst4q_u8(row + c, (uint8x16x4_t{{v, v, v, v}}));
    }
  } else if (bw <= 16) {
    const size_t nb = 16 / bw, step = nb * bw;
    const uint8x16_t idx = vld1q_u8(kExpand.p[bw]);
    for (; c + 16 <= cols && b + 16 <= nblocks; c += step, b += nb) vst1q_u8(row + c, vqtbl1q_u8(vld1q_u8(bm + b), idx));
    if (c + 16 <= cols) {  // fewer than 16 block bytes left: a zero-padded copy
      uint8_t pad[32] = {};
      memcpy(pad, bm + b, nblocks - b);
      for (size_t i = 0; c + 16 <= cols; c += step, b += nb, i += nb) vst1q_u8(row + c, vqtbl1q_u8(vld1q_u8(pad + i), idx));
    }
  } else {
    for (; c + bw <= cols; c += bw, ++b) {
      const uint8x16_t v = vdupq_n_u8(bm[b]);
      size_t i = 0;
      for (; i + 16 <= bw; i += 16) vst1q_u8(row + c + i, v);
      if (i < bw) vst1q_u8(row + c + bw - 16, v);  // overlaps the previous store
    }
  }
  // c = b * bw, a block boundary.
  if (c < cols) expand_run(bm + b, cols - c, bw, row + c);
}

#endif  // MODELPRESS_PRUNE_NEON_POOL_H
