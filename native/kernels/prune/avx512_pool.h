// avx512.cc, AVX-512: block_pool (block sums / maxima) and expand_blocks.
// Included only by avx512.cc, inside its namespace mp::{anonymous}: relies on
// that file's includes, MP_AVX512, using-declarations and helpers being in effect.
#ifndef MODELPRESS_PRUNE_AVX512_POOL_H
#define MODELPRESS_PRUNE_AVX512_POOL_H

// ---------------------------------------------------------------------------
// block_pool

// The 8 * BW floats (as bits) of 8 consecutive blocks BW = 2, 4 or 8 wide, in
// BW / 2 vectors, rearranged so that k[i] holds column 2i of the 8 blocks in its
// low 8 lanes and column 2i + 1 in its high 8.
template <int BW>
MP_AVX512 inline void by_column(const __m512i* v, __m512i* k) {
  if (BW == 2) {
    k[0] = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15), v[0]);
  } else if (BW == 4) {
    k[0] = _mm512_permutex2var_epi32(
        v[0], _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29), v[1]);
    k[1] = _mm512_permutex2var_epi32(
        v[0], _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31), v[1]);
  } else {
    // First blocks 0-3 and 4-7 by column (four columns per vector), then the halves.
    const __m512i i0 = _mm512_setr_epi32(0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
    const __m512i i1 = _mm512_add_epi32(i0, _mm512_set1_epi32(4));
    const __m512i j0 = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
    const __m512i j1 = _mm512_add_epi32(j0, _mm512_set1_epi32(8));
    const __m512i l0 = _mm512_permutex2var_epi32(v[0], i0, v[1]), l1 = _mm512_permutex2var_epi32(v[0], i1, v[1]);
    const __m512i l2 = _mm512_permutex2var_epi32(v[2], i0, v[3]), l3 = _mm512_permutex2var_epi32(v[2], i1, v[3]);
    k[0] = _mm512_permutex2var_epi32(l0, j0, l2);
    k[1] = _mm512_permutex2var_epi32(l0, j1, l2);
    k[2] = _mm512_permutex2var_epi32(l1, j0, l3);
    k[3] = _mm512_permutex2var_epi32(l1, j1, l3);
  }
}

// The block sums S of 8 blocks BW wide at p (16 blocks for BW = 1, in s[0] and
// s[1]): column sums over the bh rows, then the columns added in order (all in
// double; the first add, 0 + colsum, is exact).
template <int BW>
MP_AVX512 inline void pool_sums(const float* p, size_t bh, size_t stride, __m512d* s) {
  constexpr int kA = BW == 1 ? 2 : BW;
  __m512d acc[kA];
#pragma GCC unroll 8
  for (int k = 0; k < kA; ++k) acc[k] = _mm512_setzero_pd();
  for (size_t r = 0; r < bh; ++r) {
    const float* q = p + r * stride;
    if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
    constexpr int kV = BW > 1 ? BW / 2 : 1;
    __m512i v[kV], k[kV];
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) v[i] = _mm512_and_si512(_mm512_loadu_si512(q + 16 * i), abs16());
    if (BW == 1) {
      k[0] = v[0];
    } else {
      by_column<BW>(v, k);
    }
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) {
      const __m512 f = _mm512_castsi512_ps(k[i]);
      acc[2 * i] = _mm512_add_pd(acc[2 * i], _mm512_cvtps_pd(_mm512_castps512_ps256(f)));
      acc[2 * i + 1] = _mm512_add_pd(acc[2 * i + 1], _mm512_cvtps_pd(_mm512_extractf32x8_ps(f, 1)));
    }
  }
  if (BW == 1) {
    s[0] = acc[0];
    s[1] = acc[1];
    return;
  }
  s[0] = acc[0];
#pragma GCC unroll 8
  for (int k = 1; k < kA; ++k) s[0] = _mm512_add_pd(s[0], acc[k]);
}

// The maximum keys of 8 blocks BW wide at p (16 for BW = 1): the maximum over the
// rows first (on the loaded vectors), then over each block's columns.
template <int BW>
MP_AVX512 inline __m512i pool_max(const float* p, size_t bh, size_t stride) {
  constexpr int kV = BW > 1 ? BW / 2 : 1;
  __m512i v[kV], k[kV];
#pragma GCC unroll 4
  for (int i = 0; i < kV; ++i) v[i] = _mm512_setzero_si512();
  for (size_t r = 0; r < bh; ++r) {
    const float* q = p + r * stride;
    if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) v[i] = _mm512_max_epu32(v[i], _mm512_and_si512(_mm512_loadu_si512(q + 16 * i), abs16()));
  }
  if (BW == 1) return v[0];
  by_column<BW>(v, k);
  __m512i m = k[0];
#pragma GCC unroll 4
  for (int i = 1; i < kV; ++i) m = _mm512_max_epu32(m, k[i]);
  return _mm512_zextsi256_si512(_mm256_max_epu32(_mm512_castsi512_si256(m), _mm512_extracti64x4_epi64(m, 1)));
}

// S / count for 8 block sums: a multiplication by the exact reciprocal when there
// is one, else the division.
MP_AVX512 inline __m256 block_means(__m512d s, double inv, double count) {
  return _mm512_cvtpd_ps(inv != 0 ? _mm512_mul_pd(s, _mm512_set1_pd(inv)) : _mm512_div_pd(s, _mm512_set1_pd(count)));
}

// The whole steps of 8 blocks BW wide (16 for BW = 1); returns the blocks done.
template <int BW>
MP_AVX512 size_t pool_fast(const float* x, size_t bh, size_t cols, size_t stride, uint32_t mode, float* out,
                           bool* nan) {
  constexpr size_t kBlocks = BW == 1 ? 16 : 8;
  const size_t steps = cols / (kBlocks * BW);
  if (mode == 1) {
    __m512i top = _mm512_setzero_si512();
    for (size_t g = 0; g < steps; ++g) {
      const __m512i m = pool_max<BW>(x + g * kBlocks * BW, bh, stride);
      top = _mm512_max_epu32(top, m);
      if (BW == 1) {
        _mm512_storeu_ps(out + kBlocks * g, _mm512_castsi512_ps(m));
      } else {
        _mm256_storeu_ps(out + kBlocks * g, _mm256_castsi256_ps(_mm512_castsi512_si256(m)));
      }
    }
    *nan |= _mm512_cmpgt_epu32_mask(top, inf16()) != 0;
    return steps * kBlocks;
  }
  const double count = static_cast<double>(bh * BW), inv = exact_reciprocal(bh * BW);
  __mmask8 bad = 0;
  for (size_t g = 0; g < steps; ++g) {
    __m512d s[2];
    pool_sums<BW>(x + g * kBlocks * BW, bh, stride, s);
    // A sum of |x| is NaN exactly when some x is.
    bad |= _mm512_cmp_pd_mask(s[0], s[0], _CMP_UNORD_Q);
    _mm256_storeu_ps(out + kBlocks * g, block_means(s[0], inv, count));
    if (BW == 1) {
      bad |= _mm512_cmp_pd_mask(s[1], s[1], _CMP_UNORD_Q);
      _mm256_storeu_ps(out + kBlocks * g + 8, block_means(s[1], inv, count));
    }
  }
  *nan |= bad != 0;
  return steps * kBlocks;
}

// colsum[c] for c < n as prune_parts::pool_columns, 16 columns at a time.
MP_AVX512 bool pool_columns_v(const float* x, size_t bh, size_t n, size_t stride, uint32_t mode, double* colsum) {
  __mmask16 bad = 0;
  for (size_t c = 0; c < n; c += 16) {
    const bool whole = n - c >= 16;
    const __mmask16 m = whole ? 0xffff : mask16(n - c);
    const __mmask8 m0 = static_cast<__mmask8>(m), m1 = static_cast<__mmask8>(m >> 8);
    if (mode == 1) {
      __m512i a = _mm512_setzero_si512();
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
        a = _mm512_max_epu32(a, _mm512_and_si512(whole ? _mm512_loadu_si512(q) : _mm512_maskz_loadu_epi32(m, q), abs16()));
      }
      bad |= _mm512_cmpgt_epu32_mask(a, inf16());
      const __m512 f = _mm512_castsi512_ps(a);
      _mm512_mask_storeu_pd(colsum + c, m0, _mm512_cvtps_pd(_mm512_castps512_ps256(f)));
      _mm512_mask_storeu_pd(colsum + c + 8, m1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(f, 1)));
    } else {
      __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
      for (size_t r = 0; r < bh; ++r) {
        const float* q = x + r * stride + c;
        if (bh > 1) _mm_prefetch(reinterpret_cast<const char*>(q + kPrefetch), _MM_HINT_T0);
        const __m512 f = _mm512_abs_ps(whole ? _mm512_loadu_ps(q) : _mm512_maskz_loadu_ps(m, q));
        s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(f)));
        s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(f, 1)));
      }
      bad |= static_cast<__mmask16>(_mm512_cmp_pd_mask(s0, s0, _CMP_UNORD_Q) | _mm512_cmp_pd_mask(s1, s1, _CMP_UNORD_Q));
      _mm512_mask_storeu_pd(colsum + c, m0, s0);
      _mm512_mask_storeu_pd(colsum + c + 8, m1, s1);
    }
  }
  return bad != 0;
}

// Transposes the 8x8 doubles r[0..8) in place (r[i][j] <-> r[j][i]).
MP_AVX512 inline void transpose8(__m512d* r) {
  __m512d t[8], u[8];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);      // [r0 r1 | r2 r3 | ...] even columns
    t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);  // odd columns
  }
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i) {
    u[4 * i + 0] = _mm512_shuffle_f64x2(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(2, 0, 2, 0));
    u[4 * i + 1] = _mm512_shuffle_f64x2(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(3, 1, 3, 1));
    u[4 * i + 2] = _mm512_shuffle_f64x2(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(2, 0, 2, 0));
    u[4 * i + 3] = _mm512_shuffle_f64x2(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 1, 3, 1));
  }
  r[0] = _mm512_shuffle_f64x2(u[0], u[4], _MM_SHUFFLE(2, 0, 2, 0));
  r[4] = _mm512_shuffle_f64x2(u[0], u[4], _MM_SHUFFLE(3, 1, 3, 1));
  r[2] = _mm512_shuffle_f64x2(u[1], u[5], _MM_SHUFFLE(2, 0, 2, 0));
  r[6] = _mm512_shuffle_f64x2(u[1], u[5], _MM_SHUFFLE(3, 1, 3, 1));
  r[1] = _mm512_shuffle_f64x2(u[2], u[6], _MM_SHUFFLE(2, 0, 2, 0));
  r[5] = _mm512_shuffle_f64x2(u[2], u[6], _MM_SHUFFLE(3, 1, 3, 1));
  r[3] = _mm512_shuffle_f64x2(u[3], u[7], _MM_SHUFFLE(2, 0, 2, 0));
  r[7] = _mm512_shuffle_f64x2(u[3], u[7], _MM_SHUFFLE(3, 1, 3, 1));
}

// s op= r[k] for k < kn in order: the maximum (kMax) or the sum.
template <bool kMax>
MP_AVX512 inline __m512d fold_columns(__m512d s, const __m512d* r, size_t kn) {
  if (kn == 8) {
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) s = kMax ? _mm512_max_pd(r[k], s) : _mm512_add_pd(s, r[k]);
    return s;
  }
  for (size_t k = 0; k < kn; ++k) s = kMax ? _mm512_max_pd(r[k], s) : _mm512_add_pd(s, r[k]);
  return s;
}

// Blocks [0, nb) (nb a multiple of 8) of full width bw from their column sums
// (cs, n columns), 8 blocks at a time: 8 columns of the 8 blocks at a time are
// loaded one block per vector and transposed, so vector k holds column k of the
// 8 blocks.
template <bool kMax>
MP_AVX512 void pool_transposed(const double* cs, size_t n, size_t nb, size_t bw, size_t bh, float* out) {
  const double count = static_cast<double>(bh * bw), inv = exact_reciprocal(bh * bw);
  for (size_t b = 0; b < nb; b += 8) {
    __m512d s = _mm512_setzero_pd();
    for (size_t k0 = 0; k0 < bw; k0 += 8) {
      const size_t kn = bw - k0 < 8 ? bw - k0 : 8;
      __m512d r[8];
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) {
        const size_t at = (b + j) * bw + k0;
        r[j] = at + 8 <= n ? _mm512_loadu_pd(cs + at) : _mm512_maskz_loadu_pd(mask8(kn), cs + at);
      }
      transpose8(r);
      s = fold_columns<kMax>(s, r, kn);
    }
    // s starts at +0, as the reference's; colsum is never -0.
    _mm256_storeu_ps(out + b, kMax ? _mm512_cvtpd_ps(s) : block_means(s, inv, count));
  }
}

// Any block width: colsum for a chunk of blocks, then its blocks.
MP_AVX512 bool pool_generic(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
                            double* colsum, float* out) {
  bool nan = false;
  const size_t nblocks = cols / bw + (cols % bw != 0);
  size_t per = kPoolChunkColumns / bw / 8 * 8;
  if (per < 8) per = 8;
  for (size_t b0 = 0; b0 < nblocks; b0 += per) {
    const size_t nb = nblocks - b0 < per ? nblocks - b0 : per;
    const size_t c0 = b0 * bw, n = nb == nblocks - b0 ? cols - c0 : nb * bw;
    nan |= pool_columns_v(x + c0, bh, n, stride, mode, colsum + c0);
    const size_t vec = n / bw / 8 * 8;
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

MP_AVX512 bool block_pool_avx512(const float* x, size_t bh, size_t cols, size_t stride, size_t bw, uint32_t mode,
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
// Widths 2..64: nb = min(16, 64 / bw) blocks make one step of nb * bw bytes; their
// bytes, broadcast to the four 128-bit lanes, go through one PSHUFB with byte j ->
// j / bw (a table per width). A step stores 64 bytes and the next step overwrites
// the ones past its own (masked stores near the end of the row). Width 1 is a
// copy, width 2 a zero extension to 16 bits times 0x0101, wider blocks runs of
// broadcast bytes.

struct ExpandPatterns {
  uint8_t p[65][64];
  constexpr ExpandPatterns() : p() {
    for (int bw = 1; bw <= 64; ++bw) {
      const int nb = 64 / bw < 16 ? 64 / bw : 16;
      for (int j = 0; j < 64; ++j) p[bw][j] = static_cast<uint8_t>(j / bw < nb ? j / bw : 0);
    }
  }
};
constexpr ExpandPatterns kExpand;

MP_AVX512 void expand_blocks_avx512(const uint8_t* bm, size_t cols, size_t bw, uint8_t* row) {
  size_t c = 0;
  if (bw == 1) {
    for (; c + 64 <= cols; c += 64) _mm512_storeu_si512(row + c, _mm512_loadu_si512(bm + c));
  } else if (bw == 2) {
    for (; c + 64 <= cols; c += 64) {
      const __m512i w = _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(bm + c / 2)));
      _mm512_storeu_si512(row + c, _mm512_or_si512(w, _mm512_slli_epi16(w, 8)));
    }
  } else if (bw > 64) {
    for (size_t b = 0; c < cols; ++b) {
      const __m512i v = _mm512_set1_epi8(static_cast<char>(bm[b]));
      const size_t end = cols - c < bw ? cols : c + bw;
      for (; c + 64 <= end; c += 64) _mm512_storeu_si512(row + c, v);
      if (c < end) _mm512_mask_storeu_epi8(row + c, mask64(end - c), v);
      c = end;
    }
    return;
  }
  if (c >= cols) return;
  // c is a block boundary here.
  const size_t nb = 64 / bw < 16 ? 64 / bw : 16, step = nb * bw;
  const __m512i idx = _mm512_loadu_si512(kExpand.p[bw]);
  const size_t nblocks = cols / bw + (cols % bw != 0);
  for (size_t b = c / bw; c < cols; c += step, b += nb) {
    // Never read past bm's end.
    const __m128i src = nblocks - b >= 16 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(bm + b))
                                          : _mm_maskz_loadu_epi8(mask16(nblocks - b), bm + b);
    const __m512i v = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(src), idx);
    if (c + 64 <= cols) {
      _mm512_storeu_si512(row + c, v);
    } else {
      _mm512_mask_storeu_epi8(row + c, mask64(cols - c < step ? cols - c : step), v);
    }
  }
}

#endif  // MODELPRESS_PRUNE_AVX512_POOL_H
