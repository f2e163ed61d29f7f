// avx2.cc, AVX2: block_pool (block sums / maxima) and expand_blocks.
// Included only by avx2.cc, inside its namespace mp::{anonymous}: relies on
// that file's includes, MP_AVX2, using-declarations and helpers being in effect.
#ifndef MODELPRESS_PRUNE_AVX2_POOL_H
#define MODELPRESS_PRUNE_AVX2_POOL_H

// ---------------------------------------------------------------------------
// block_pool

// The 4 * BW floats (as bits) of 4 consecutive blocks BW = 2, 4 or 8 wide, in
// BW / 2 vectors, rearranged so that each 128-bit half of k[i] holds one column
// of the 4 blocks: column kLo<BW>(i) in the low half, kHi<BW>(i) in the high.
template <int BW>
constexpr int kLo(int i) { return BW == 8 ? i : 2 * i; }
template <int BW>
constexpr int kHi(int i) { return BW == 8 ? i + 4 : 2 * i + 1; }

template <int BW>
MP_AVX2 inline void by_column(const __m256i* v, __m256i* k) {
  if (BW == 2) {
    k[0] = _mm256_permutevar8x32_epi32(v[0], _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
  } else if (BW == 4) {
    // unpacklo(a, b) = [b0k0 b2k0 b0k1 b2k1 | b1k0 b3k0 b1k1 b3k1] for blocks b0..b3.
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    k[0] = _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi32(v[0], v[1]), order);
    k[1] = _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi32(v[0], v[1]), order);
  } else {
    // One block per vector: a 4x4 transpose within each 128-bit half.
    const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpackhi_epi32(v[0], v[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
    k[0] = _mm256_unpacklo_epi64(t0, t2);  // columns 0 | 4
    k[1] = _mm256_unpackhi_epi64(t0, t2);  // 1 | 5
    k[2] = _mm256_unpacklo_epi64(t1, t3);  // 2 | 6
    k[3] = _mm256_unpackhi_epi64(t1, t3);  // 3 | 7
  }
}

// The block sums S of 4 blocks BW wide at p (8 blocks for BW = 1, in s[0] and
// s[1]): column sums over the bh rows, then the columns added in order.
template <int BW>
MP_AVX2 inline void pool_sums(const float* p, size_t bh, size_t stride, __m256d* s) {
  constexpr int kA = BW == 1 ? 2 : BW, kV = BW > 1 ? BW / 2 : 1;
  __m256d acc[kA];
#pragma GCC unroll 8
  for (int k = 0; k < kA; ++k) acc[k] = _mm256_setzero_pd();
  for (size_t r = 0; r < bh; ++r) {
    const float* q = p + r * stride;
    if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
    __m256i v[kV], k[kV];
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) v[i] = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 8 * i)), abs8());
    if (BW == 1) {
      k[0] = v[0];
    } else {
      by_column<BW>(v, k);
    }
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) {
      const __m256 f = _mm256_castsi256_ps(k[i]);
      const int lo = BW == 1 ? 0 : kLo<BW>(i), hi = BW == 1 ? 1 : kHi<BW>(i);
      acc[lo] = _mm256_add_pd(acc[lo], _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
      acc[hi] = _mm256_add_pd(acc[hi], _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
    }
  }
  if (BW == 1) {
    s[0] = acc[0];
    s[1] = acc[1];
    return;
  }
  s[0] = acc[0];
#pragma GCC unroll 8
  for (int k = 1; k < kA; ++k) s[0] = _mm256_add_pd(s[0], acc[k]);
}

// The maximum keys of 4 blocks BW wide at p (8 for BW = 1): over the rows first,
// then over each block's columns.
template <int BW>
MP_AVX2 inline __m256i pool_max(const float* p, size_t bh, size_t stride) {
  constexpr int kV = BW > 1 ? BW / 2 : 1;
  __m256i v[kV], k[kV];
#pragma GCC unroll 4
  for (int i = 0; i < kV; ++i) v[i] = _mm256_setzero_si256();
  for (size_t r = 0; r < bh; ++r) {
    const float* q = p + r * stride;
    if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i)
      v[i] = _mm256_max_epu32(v[i], _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 8 * i)), abs8()));
  }
  if (BW == 1) return v[0];
  by_column<BW>(v, k);
  __m256i m = k[0];
#pragma GCC unroll 4
  for (int i = 1; i < kV; ++i) m = _mm256_max_epu32(m, k[i]);
  return _mm256_castsi128_si256(_mm_max_epu32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1)));
}

// S / count for 4 block sums: a multiplication by the exact reciprocal when there
// is one, else the division.
MP_AVX2 inline __m128 block_means(__m256d s, double inv, double count) {
  return _mm256_cvtpd_ps(inv != 0 ? _mm256_mul_pd(s, _mm256_set1_pd(inv)) : _mm256_div_pd(s, _mm256_set1_pd(count)));
}

// The whole steps of 4 blocks BW wide (8 for BW = 1); returns the blocks done.
template <int BW>
MP_AVX2 size_t pool_fast(const float* x, size_t bh, size_t cols, size_t stride, uint32_t mode, float* out, bool* nan) {
  constexpr size_t kBlocks = BW == 1 ? 8 : 4;
  const size_t steps = cols / (kBlocks * BW);
  if (mode == 1) {
    __m256i top = _mm256_setzero_si256();
    for (size_t g = 0; g < steps; ++g) {
      const __m256i m = pool_max<BW>(x + g * kBlocks * BW, bh, stride);
      top = _mm256_max_epu32(top, m);
      if (BW == 1) {
        _mm256_storeu_ps(out + kBlocks * g, _mm256_castsi256_ps(m));
      } else {
        _mm_storeu_ps(out + kBlocks * g, _mm_castsi128_ps(_mm256_castsi256_si128(m)));
      }
    }
    *nan |= any_nan_key(top);
    return steps * kBlocks;
  }
  const double count = static_cast<double>(bh * BW), inv = exact_reciprocal(bh * BW);
  __m256d bad = _mm256_setzero_pd();
  for (size_t g = 0; g < steps; ++g) {
    __m256d s[2];
    pool_sums<BW>(x + g * kBlocks * BW, bh, stride, s);
    bad = _mm256_or_pd(bad, _mm256_cmp_pd(s[0], s[0], _CMP_UNORD_Q));  // NaN iff some x is
    _mm_storeu_ps(out + kBlocks * g, block_means(s[0], inv, count));
    if (BW == 1) {
      bad = _mm256_or_pd(bad, _mm256_cmp_pd(s[1], s[1], _CMP_UNORD_Q));
      _mm_storeu_ps(out + kBlocks * g + 4, block_means(s[1], inv, count));
    }
  }
  *nan |= _mm256_movemask_pd(bad) != 0;
  return steps * kBlocks;
}

// colsum[c] for c < n as prune_parts::pool_columns: 8 columns at a time, the rest
// by the scalar part.
MP_AVX2 bool pool_columns_v(const float* x, size_t bh, size_t n, size_t stride, uint32_t mode, double* colsum) {
  __m256i top = _mm256_setzero_si256();
  __m256d bad = _mm256_setzero_pd();
  size_t c = 0;
  for (; c + 8 <= n; c += 8) {
    if (mode == 1) {
      __m256i a = _mm256_setzero_si256();
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
        a = _mm256_max_epu32(a, _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)), abs8()));
      }
      top = _mm256_max_epu32(top, a);
      const __m256 f = _mm256_castsi256_ps(a);
      _mm256_storeu_pd(colsum + c, _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
      _mm256_storeu_pd(colsum + c + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
    } else {
      __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
        const __m256 f = _mm256_and_ps(_mm256_loadu_ps(q), _mm256_castsi256_ps(abs8()));
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
      }
      bad = _mm256_or_pd(bad, _mm256_or_pd(_mm256_cmp_pd(s0, s0, _CMP_UNORD_Q), _mm256_cmp_pd(s1, s1, _CMP_UNORD_Q)));
      _mm256_storeu_pd(colsum + c, s0);
      _mm256_storeu_pd(colsum + c + 4, s1);
    }
  }
  const bool nan = any_nan_key(top) || _mm256_movemask_pd(bad) != 0;
  return (c < n && pool_columns(x, bh, stride, c, n, mode, colsum)) || nan;
}

// s op= col[k] for k < kn in order: the maximum (kMax) or the sum.
template <bool kMax>
MP_AVX2 inline __m256d fold_columns(__m256d s, const __m256d* col, size_t kn) {
  if (kn == 4) {
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) s = kMax ? _mm256_max_pd(col[k], s) : _mm256_add_pd(s, col[k]);
    return s;
  }
  for (size_t k = 0; k < kn; ++k) s = kMax ? _mm256_max_pd(col[k], s) : _mm256_add_pd(s, col[k]);
  return s;
}

// Blocks [0, nb) (nb a multiple of 4) of full width bw from their column sums
// (cs, n columns), 4 blocks at a time: 4 columns of the 4 blocks at a time are
// loaded one block per vector and transposed, so vector k holds column k of the
// 4 blocks.
template <bool kMax>
MP_AVX2 void pool_transposed(const double* cs, size_t n, size_t nb, size_t bw, size_t bh, float* out) {
  const double count = static_cast<double>(bh * bw), inv = exact_reciprocal(bh * bw);
  for (size_t b = 0; b < nb; b += 4) {
    __m256d s = _mm256_setzero_pd();
    for (size_t k0 = 0; k0 < bw; k0 += 4) {
      const size_t kn = bw - k0 < 4 ? bw - k0 : 4;
      __m256d r[4];
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const size_t at = (b + j) * bw + k0;
        r[j] = at + 4 <= n ? _mm256_loadu_pd(cs + at) : _mm256_maskload_pd(cs + at, lanes4d(kn));
      }
      const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
      const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
      const __m256d col[4] = {_mm256_permute2f128_pd(t0, t2, 0x20), _mm256_permute2f128_pd(t1, t3, 0x20),
                              _mm256_permute2f128_pd(t0, t2, 0x31), _mm256_permute2f128_pd(t1, t3, 0x31)};
      s = fold_columns<kMax>(s, col, kn);
    }
    // s starts at +0, as the reference's; colsum is never -0.
    _mm_storeu_ps(out + b, kMax ? _mm256_cvtpd_ps(s) : block_means(s, inv, count));
  }
}

// Any block width: colsum for a chunk of blocks, then its blocks.
MP_AVX2 bool pool_generic(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                          double* colsum, float* out) {
  bool nan = false;
  const size_t nblocks = cols / bw + (cols % bw != 0);
  size_t per = kPoolChunkColumns / bw / 4 * 4;
  if (per < 4) per = 4;
  for (size_t b0 = 0; b0 < nblocks; b0 += per) {
    const size_t nb = nblocks - b0 < per ? nblocks - b0 : per;
    const size_t c0 = b0 * bw, n = nb == nblocks - b0 ? cols - c0 : nb * bw;
    nan |= pool_columns_v(x + c0, bh, n, stride, mode, colsum + c0);
    const size_t vec = n / bw / 4 * 4;
    if (mode == 1) {
      pool_transposed<true>(colsum + c0, n, vec, bw, bh, out + b0);
    } else {
      pool_transposed<false>(colsum + c0, n, vec, bw, bh, out + b0);
    }
    for (size_t b = vec; b < nb; ++b) {
      const size_t w = n - b * bw < bw ? n - b * bw : bw;
      out[b0 + b] = pool_block(colsum + c0 + b * bw, w, bh, mode);
    }
  }
  return nan;
}

MP_AVX2 bool block_pool_avx2(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                             double* colsum, float* out) {
  bool nan = false;
  size_t done = 0;  // blocks
  if (bw == 1) done = pool_fast<1>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 2) done = pool_fast<2>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 4) done = pool_fast<4>(x, bh, cols, stride, mode, out, &nan);
  if (bw == 8) done = pool_fast<8>(x, bh, cols, stride, mode, out, &nan);
  const size_t c = done * bw;
  if (c < cols) nan |= pool_generic(x + c, bh, cols - c, stride, bw, mode, colsum, out + done);
  return nan;
}

// ---------------------------------------------------------------------------
// expand_blocks
//
// Widths 3..32: nb = min(16, 32 / bw) blocks make one step of nb * bw bytes; their
// bytes, broadcast to both 128-bit lanes, go through one PSHUFB with byte j -> j /
// bw (a table per width). A step stores 32 bytes and the next step overwrites the
// ones past its own; the last block bytes come from a zero-padded copy, so as not
// to read past the block mask. Width 1 is a copy, width 2 a zero extension to 16
// bits times 0x0101, wider blocks runs of broadcast bytes. The last partial step
// goes a byte at a time.

struct ExpandPatterns {
  uint8_t p[33][32];
  constexpr ExpandPatterns() : p() {
    for (int bw = 1; bw <= 32; ++bw) {
      const int nb = 32 / bw < 16 ? 32 / bw : 16;
      for (int j = 0; j < 32; ++j) p[bw][j] = static_cast<uint8_t>(j / bw < nb ? j / bw : 0);
    }
  }
};
constexpr ExpandPatterns kExpand;

MP_AVX2 void expand_blocks_avx2(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row) {
  size_t c = 0;
  if (bw == 1) {
    for (; c + 32 <= cols; c += 32)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bm + c)));
  } else if (bw == 2) {
    for (; c + 32 <= cols; c += 32) {
      const __m256i w = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bm + c / 2)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), _mm256_or_si256(w, _mm256_slli_epi16(w, 8)));
    }
  } else if (bw > 32) {
    for (size_t b = 0; c < cols; ++b) {
      const __m256i v = _mm256_set1_epi8(static_cast<char>(bm[b]));
      const size_t end = cols - c < bw ? cols : c + bw;
      for (; c + 32 <= end; c += 32) _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), v);
      for (; c < end; ++c) row[c] = bm[b];
    }
    return;
  } else {
    const size_t nb = 32 / bw < 16 ? 32 / bw : 16, step = nb * bw;
    const size_t nblocks = cols / bw + (cols % bw != 0);
    const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kExpand.p[bw]));
    size_t b = 0;
    for (; c + 32 <= cols && b + 16 <= nblocks; c += step, b += nb) {
      const __m256i src = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bm + b)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), _mm256_shuffle_epi8(src, idx));
    }
    if (c + 32 <= cols) {  // fewer than 16 block bytes left
      uint8_t pad[32] = {};
      for (size_t i = 0; i < nblocks - b; ++i) pad[i] = bm[b + i];
      for (size_t i = 0; c + 32 <= cols; c += step, i += nb) {
        const __m256i src = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pad + i)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + c), _mm256_shuffle_epi8(src, idx));
      }
    }
  }
  // c is a block boundary here.
  if (c < cols) expand_run(bm + c / bw, cols - c, bw, row + c);
}

#endif  // MODELPRESS_PRUNE_AVX2_POOL_H
