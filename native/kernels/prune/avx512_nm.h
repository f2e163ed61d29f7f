// avx512.cc, AVX-512: nm_mask (the n largest magnitudes of every m kept).
// Included only by avx512.cc, inside its namespace mp::{anonymous}: relies on
// that file's includes, MP_AVX512, using-declarations and helpers being in effect.
#ifndef MODELPRESS_PRUNE_AVX512_NM_H
#define MODELPRESS_PRUNE_AVX512_NM_H

// ---------------------------------------------------------------------------
// nm_mask
//
// u ranks above t if key_u > key_t, or key_u == key_t and u > t: key_u + [u > t] >
// key_t as unsigned 32-bit numbers (keys are below 2^31). Element t is kept if
// fewer than n rank above it.

MP_AVX512 inline bool nan_in(__m512i top) { return _mm512_cmpgt_epu32_mask(top, inf16()) != 0; }

// n >= m: every element is kept; only the NaN test is left.
MP_AVX512 bool nm_all_kept(const float* x, size_t total, uint8_t* mask) {
  const __m512i ones = _mm512_set1_epi8(1), abs = abs16();
  __m512i top = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 64 <= total; i += 64) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) top = _mm512_max_epu32(top, _mm512_and_si512(_mm512_loadu_si512(x + i + 16 * j), abs));
    _mm512_storeu_si512(mask + i, ones);
  }
  for (; i < total; i += 16) {
    const __mmask16 m = total - i >= 16 ? 0xffff : mask16(total - i);
    top = _mm512_max_epu32(top, _mm512_and_si512(_mm512_maskz_loadu_epi32(m, x + i), abs));
    _mm_mask_storeu_epi8(mask + i, m, _mm512_castsi512_si128(ones));
  }
  return nan_in(top);
}

// Groups of M = 2, 4, 8 or 16 consecutive lanes. Rotation s (1 <= s < M) gives
// lane t the key of lane (t + s) mod M of its group; bias[s - 1] is 1 in the
// lanes where that partner has the higher index.
template <int M>
struct Rotations {
  __m512i idx[M - 1], bias[M - 1];
};

template <int M>
MP_AVX512 inline void init_rotations(Rotations<M>& g) {
  for (int s = 1; s < M; ++s) {
    alignas(64) int32_t idx[16], bias[16];
    for (int t = 0; t < 16; ++t) {
      const int r = t % M;
      idx[t] = t - r + (r + s) % M;
      bias[t] = r + s < M;
    }
    g.idx[s - 1] = _mm512_load_si512(idx);
    g.bias[s - 1] = _mm512_load_si512(bias);
  }
}

template <int M>
MP_AVX512 inline __m512i rotate(__m512i k, int s, const Rotations<M>& g) {
  if (M == 2) return _mm512_shuffle_epi32(k, _MM_PERM_CDAB);
  if (M == 4) {  // within 128-bit lanes: PSHUFD
    if (s == 1) return _mm512_shuffle_epi32(k, _MM_PERM_ADCB);
    if (s == 2) return _mm512_shuffle_epi32(k, _MM_PERM_BADC);
    return _mm512_shuffle_epi32(k, _MM_PERM_CBAD);
  }
  return _mm512_permutexvar_epi32(g.idx[s - 1], k);
}

// The keep bits of 16 keys, groups of M lanes.
template <int M>
MP_AVX512 inline __mmask16 keep_rotated(__m512i key, const Rotations<M>& g, __m512i nv) {
  const __m512i one = _mm512_set1_epi32(1);
  __m512i cnt = _mm512_setzero_si512();
#pragma GCC unroll 16
  for (int s = 1; s < M; ++s) {
    const __m512i u = _mm512_add_epi32(rotate<M>(key, s, g), g.bias[s - 1]);
    cnt = _mm512_mask_add_epi32(cnt, _mm512_cmpgt_epu32_mask(u, key), cnt, one);
  }
  return _mm512_cmplt_epu32_mask(cnt, nv);
}

// inner == 1, m = M: the groups are consecutive M elements; 64 at a time.
template <int M>
MP_AVX512 bool nm_rotated(const float* x, size_t total, uint32_t n, uint8_t* mask) {
  Rotations<M> g;
  init_rotations<M>(g);
  const __m512i nv = _mm512_set1_epi32(static_cast<int>(n)), abs = abs16(), ones = _mm512_set1_epi8(1);
  __m512i top = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 64 <= total; i += 64) {
    __mmask16 k[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const __m512i key = _mm512_and_si512(_mm512_loadu_si512(x + i + 16 * j), abs);
      top = _mm512_max_epu32(top, key);
      k[j] = keep_rotated<M>(key, g, nv);
    }
    const __mmask64 keep = _mm512_kunpackd(_mm512_kunpackw(k[3], k[2]), _mm512_kunpackw(k[1], k[0]));
    _mm512_storeu_si512(mask + i, _mm512_maskz_mov_epi8(keep, ones));
  }
  // The rest is a multiple of M, so the zero lanes of a masked load form whole groups.
  for (; i < total; i += 16) {
    const __mmask16 m = total - i >= 16 ? 0xffff : mask16(total - i);
    const __m512i key = _mm512_and_si512(_mm512_maskz_loadu_epi32(m, x + i), abs);
    top = _mm512_max_epu32(top, key);
    _mm_mask_storeu_epi8(mask + i, m, _mm_maskz_mov_epi8(keep_rotated<M>(key, g, nv), _mm512_castsi512_si128(ones)));
  }
  return nan_in(top);
}

// Groups across the lanes: key[t] holds element t of 16 groups; keep[t] gets the
// lanes where element t is kept.
// M = 2, 4, 8 (registers): one compare per pair t < u: cnt[u] starts at u (as if
// every lower index ranked above u) and loses 1 where u ranks above t, which
// gives cnt[t] 1. M = 0 (any m, arrays): per t, the count over every u (a
// compare with a memory operand and a masked add per pair, no stores).
template <int M>
MP_AVX512 inline void rank_lanes(const __m512i* key, uint32_t m, __m512i nv, __mmask16* keep) {
  const __m512i one = _mm512_set1_epi32(1);
  if (M != 0) {
    __m512i cnt[M ? M : 1];
#pragma GCC unroll 8
    for (int t = 0; t < M; ++t) cnt[t] = _mm512_set1_epi32(t);
#pragma GCC unroll 8
    for (int t = 0; t < M; ++t) {
#pragma GCC unroll 8
      for (int u = t + 1; u < M; ++u) {
        const __mmask16 above = _mm512_cmpge_epu32_mask(key[u], key[t]);  // u above t
        cnt[t] = _mm512_mask_add_epi32(cnt[t], above, cnt[t], one);
        cnt[u] = _mm512_mask_sub_epi32(cnt[u], above, cnt[u], one);
      }
    }
#pragma GCC unroll 8
    for (int t = 0; t < M; ++t) keep[t] = _mm512_cmplt_epu32_mask(cnt[t], nv);
    return;
  }
  for (uint32_t t = 0; t < m; ++t) {
    const __m512i kt = key[t];
    __m512i cnt = _mm512_setzero_si512();
    for (uint32_t u = 0; u < t; ++u) cnt = _mm512_mask_add_epi32(cnt, _mm512_cmpgt_epu32_mask(key[u], kt), cnt, one);
    for (uint32_t u = t + 1; u < m; ++u) cnt = _mm512_mask_add_epi32(cnt, _mm512_cmpge_epu32_mask(key[u], kt), cnt, one);
    keep[t] = _mm512_cmplt_epu32_mask(cnt, nv);
  }
}

// inner > 1: lanes run across i, 16 at a time.
template <int M>
MP_AVX512 bool nm_across(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m_any,
                         uint8_t* mask) {
  const uint32_t m = M ? M : m_any;
  const __m512i nv = _mm512_set1_epi32(static_cast<int>(n)), abs = abs16();
  const __m128i ones = _mm_set1_epi8(1);
  __m512i top = _mm512_setzero_si512();
  __m512i key[M ? M : 256];
  __mmask16 keep[M ? M : 256];
  for (size_t o = 0; o < outer; ++o) {
    for (size_t g = 0; g < axis_len; g += m) {
      const size_t base = (o * axis_len + g) * inner;
      for (size_t i = 0; i < inner; i += 16) {
        const bool whole = inner - i >= 16;
        const __mmask16 lm = whole ? 0xffff : mask16(inner - i);
        for (uint32_t t = 0; t < m; ++t) {
          const float* p = x + base + t * inner + i;
          // m streams inner floats apart: the hardware prefetchers lose track of them.
          _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetch / 2), _MM_HINT_T0);
          key[t] = _mm512_and_si512(whole ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi32(lm, p), abs);
          top = _mm512_max_epu32(top, key[t]);
        }
        rank_lanes<M>(key, m, nv, keep);
        for (uint32_t t = 0; t < m; ++t) {
          uint8_t* q = mask + base + t * inner + i;
          const __m128i b = _mm_maskz_mov_epi8(keep[t], ones);
          if (whole) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(q), b);
          } else {
            _mm_mask_storeu_epi8(q, lm, b);
          }
        }
      }
    }
  }
  return nan_in(top);
}

// inner == 1, other m: 16 groups at a time, their keys transposed through a tile
// (row t = element t of the 16 groups), then as nm_across.
MP_AVX512 bool nm_tiled(const float* x, size_t groups, uint32_t n, uint32_t m, uint8_t* mask) {
  const __m512i nv = _mm512_set1_epi32(static_cast<int>(n));
  __m512i tile[256];
  __mmask16 keep[256];
  uint32_t* cell = reinterpret_cast<uint32_t*>(tile);
  uint32_t top = 0;
  for (size_t g0 = 0; g0 < groups; g0 += 16) {
    const size_t ng = groups - g0 < 16 ? groups - g0 : 16;
    const float* p = x + g0 * m;
    for (size_t j = 0; j < 16; ++j) {
      for (uint32_t t = 0; t < m; ++t) {
        const uint32_t k = j < ng ? key_at(p, j * m + t) : 0;
        top = k > top ? k : top;
        cell[t * 16 + j] = k;
      }
    }
    rank_lanes<0>(tile, m, nv, keep);
    uint8_t* out = mask + g0 * m;
    for (size_t j = 0; j < ng; ++j) {
      for (uint32_t t = 0; t < m; ++t) out[j * m + t] = static_cast<uint8_t>((keep[t] >> j) & 1);
    }
  }
  return top > kInfKey;
}

MP_AVX512 bool nm_mask_avx512(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
                              uint8_t* mask) {
  const size_t total = outer * axis_len * inner;
  if (n >= m) return nm_all_kept(x, total, mask);
  if (inner == 1) {
    if (m == 2) return nm_rotated<2>(x, total, n, mask);
    if (m == 4) return nm_rotated<4>(x, total, n, mask);
    if (m == 8) return nm_rotated<8>(x, total, n, mask);
    if (m == 16) return nm_rotated<16>(x, total, n, mask);
    return nm_tiled(x, total / m, n, m, mask);
  }
  if (m == 2) return nm_across<2>(x, outer, axis_len, inner, n, m, mask);
  if (m == 4) return nm_across<4>(x, outer, axis_len, inner, n, m, mask);
  if (m == 8) return nm_across<8>(x, outer, axis_len, inner, n, m, mask);
  return nm_across<0>(x, outer, axis_len, inner, n, m, mask);
}

#endif  // MODELPRESS_PRUNE_AVX512_NM_H
