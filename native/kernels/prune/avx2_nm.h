// avx2.cc, AVX2: nm_mask (the n largest magnitudes of every m kept).
// Included only by avx2.cc, inside its namespace mp::{anonymous}: relies on
// that file's includes, MP_AVX2, using-declarations and helpers being in effect.
#ifndef MODELPRESS_PRUNE_AVX2_NM_H
#define MODELPRESS_PRUNE_AVX2_NM_H

// ---------------------------------------------------------------------------
// nm_mask
//
// u ranks above t if key_u > key_t, or key_u == key_t and u > t: key_u + [u > t] >
// key_t. Element t is kept if fewer than n rank above it.

// n >= m: every element is kept; only the NaN test is left.
MP_AVX2 bool nm_all_kept(const float* x, size_t total, uint8_t* mask) {
  const __m256i ones = _mm256_set1_epi8(1), abs = abs8();
  __m256i top = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= total; i += 32) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j)
      top = _mm256_max_epu32(top, _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 8 * j)), abs));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + i), ones);
  }
  uint32_t t = 0;
  for (; i < total; ++i) {
    const uint32_t k = key_at(x, i);
    t = k > t ? k : t;
    mask[i] = 1;
  }
  return any_nan_key(top) || t > kInfKey;
}

// Groups of M = 2, 4 or 8 consecutive lanes. Rotation s (1 <= s < M) gives lane t
// the key of lane (t + s) mod M of its group; bias[s - 1] is 1 in the lanes where
// that partner has the higher index.
template <int M>
struct Rotations {
  __m256i idx[M - 1], bias[M - 1];
};

template <int M>
MP_AVX2 inline void init_rotations(Rotations<M>& g) {
  for (int s = 1; s < M; ++s) {
    alignas(32) int32_t idx[8], bias[8];
    for (int t = 0; t < 8; ++t) {
      const int r = t % M;
      idx[t] = t - r + (r + s) % M;
      bias[t] = r + s < M;
    }
    g.idx[s - 1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(idx));
    g.bias[s - 1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias));
  }
}

template <int M>
MP_AVX2 inline __m256i rotate(__m256i k, int s, const Rotations<M>& g) {
  if (M == 2) return _mm256_shuffle_epi32(k, _MM_SHUFFLE(2, 3, 0, 1));
  if (M == 4) {  // within 128-bit lanes: PSHUFD
    if (s == 1) return _mm256_shuffle_epi32(k, _MM_SHUFFLE(0, 3, 2, 1));
    if (s == 2) return _mm256_shuffle_epi32(k, _MM_SHUFFLE(1, 0, 3, 2));
    return _mm256_shuffle_epi32(k, _MM_SHUFFLE(2, 1, 0, 3));
  }
  return _mm256_permutevar8x32_epi32(k, g.idx[s - 1]);
}

// The keep lanes (all-ones) of 8 keys, groups of M lanes.
template <int M>
MP_AVX2 inline __m256i keep_rotated(__m256i key, const Rotations<M>& g, __m256i nv) {
  __m256i cnt = _mm256_setzero_si256();
#pragma GCC unroll 8
  for (int s = 1; s < M; ++s) {
    const __m256i u = _mm256_add_epi32(rotate<M>(key, s, g), g.bias[s - 1]);
    cnt = _mm256_sub_epi32(cnt, _mm256_cmpgt_epi32(u, key));  // +1 where u ranks above
  }
  return _mm256_cmpgt_epi32(nv, cnt);
}

// inner == 1, m = M: the groups are consecutive M elements; 32 at a time, the
// rest (whole groups) by the scalar part.
template <int M>
MP_AVX2 bool nm_rotated(const float* x, size_t total, uint32_t n, uint32_t m, uint8_t* mask) {
  Rotations<M> g;
  init_rotations<M>(g);
  const __m256i nv = _mm256_set1_epi32(static_cast<int>(n)), abs = abs8();
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7), one = _mm256_set1_epi8(1);
  __m256i top = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= total; i += 32) {
    __m256i k[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const __m256i key = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 8 * j)), abs);
      top = _mm256_max_epu32(top, key);
      k[j] = keep_rotated<M>(key, g, nv);
    }
    // Saturating packs keep -1 / 0 per byte, in the order of the 128-bit lanes:
    // dwords [k0a k1a k2a k3a | k0b k1b k2b k3b] (a, b: the halves of each k).
    const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(k[0], k[1]), _mm256_packs_epi32(k[2], k[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + i), _mm256_and_si256(_mm256_permutevar8x32_epi32(b, order), one));
  }
  bool nan = any_nan_key(top);
  for (; i < total; i += m) nan |= nm_group(x, i, 1, n, m, mask);
  return nan;
}

// 8 keep lanes (all-ones / 0) as 8 mask bytes.
MP_AVX2 inline void store_keep8(__m256i keep, uint8_t* out) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(keep), _mm256_extracti128_si256(keep, 1));
  const __m128i b = _mm_and_si128(_mm_packs_epi16(w, w), _mm_set1_epi8(1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), b);
}

// Groups across the lanes: key[t] holds element t of 8 groups; keep[t] gets the
// lanes (all-ones) where element t is kept.
// M = 2, 4, 8 (registers): one compare per pair t < u; cnt[t] starts at the
// number of higher indices (as if they all ranked above t), and a pair where t
// ranks above u takes 1 from cnt[t] and gives 1 to cnt[u]. M = 0 (any m, arrays):
// per t, the count over every u.
template <int M>
MP_AVX2 inline void rank_lanes(const __m256i* key, uint32_t m, __m256i nv, __m256i* keep) {
  if (M != 0) {
    __m256i cnt[M ? M : 1];
#pragma GCC unroll 8
    for (int t = 0; t < M; ++t) cnt[t] = _mm256_set1_epi32(M - 1 - t);
#pragma GCC unroll 8
    for (int t = 0; t < M; ++t) {
#pragma GCC unroll 8
      for (int u = t + 1; u < M; ++u) {
        const __m256i t_above = _mm256_cmpgt_epi32(key[t], key[u]);  // -1 where t ranks above u
        cnt[t] = _mm256_add_epi32(cnt[t], t_above);
        cnt[u] = _mm256_sub_epi32(cnt[u], t_above);
      }
    }
#pragma GCC unroll 8
    for (int t = 0; t < M; ++t) keep[t] = _mm256_cmpgt_epi32(nv, cnt[t]);
    return;
  }
  const __m256i one = _mm256_set1_epi32(1);
  for (uint32_t t = 0; t < m; ++t) {
    const __m256i kt = key[t], kt1 = _mm256_sub_epi32(kt, one);  // u > t: key_u >= key_t, key_u > key_t - 1
    __m256i cnt = _mm256_setzero_si256();
    for (uint32_t u = 0; u < t; ++u) cnt = _mm256_sub_epi32(cnt, _mm256_cmpgt_epi32(key[u], kt));
    for (uint32_t u = t + 1; u < m; ++u) cnt = _mm256_sub_epi32(cnt, _mm256_cmpgt_epi32(key[u], kt1));
    keep[t] = _mm256_cmpgt_epi32(nv, cnt);
  }
}

// inner > 1: lanes run across i, 8 at a time; the last inner % 8 lanes of each
// group by the scalar part.
template <int M>
MP_AVX2 bool nm_across(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m_any,
                       uint8_t* mask) {
  const uint32_t m = M ? M : m_any;
  const __m256i nv = _mm256_set1_epi32(static_cast<int>(n)), abs = abs8();
  __m256i top = _mm256_setzero_si256();
  __m256i key[M ? M : 256], keep[M ? M : 256];
  bool nan = false;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t g = 0; g < axis_len; g += m) {
      const size_t base = (o * axis_len + g) * inner;
      size_t i = 0;
      for (; i + 8 <= inner; i += 8) {
        for (uint32_t t = 0; t < m; ++t) {
          const float* p = x + base + t * inner + i;
          // m streams inner floats apart: the hardware prefetchers lose track of them.
          if (i % 16 == 0) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetch / 2), _MM_HINT_T0);
          key[t] = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), abs);
          top = _mm256_max_epu32(top, key[t]);
        }
        rank_lanes<M>(key, m, nv, keep);
        for (uint32_t t = 0; t < m; ++t) store_keep8(keep[t], mask + base + t * inner + i);
      }
      for (; i < inner; ++i) nan |= nm_group(x, base + i, inner, n, m, mask);
    }
  }
  return nan || any_nan_key(top);
}

// inner == 1, other m: 8 groups at a time, their keys transposed through a tile
// (row t = element t of the 8 groups), then as nm_across.
MP_AVX2 bool nm_tiled(const float* x, size_t groups, uint32_t n, uint32_t m, uint8_t* mask) {
  const __m256i nv = _mm256_set1_epi32(static_cast<int>(n));
  __m256i tile[256], keep[256];
  uint32_t* cell = reinterpret_cast<uint32_t*>(tile);
  uint32_t top = 0;
  for (size_t g0 = 0; g0 < groups; g0 += 8) {
    const size_t ng = groups - g0 < 8 ? groups - g0 : 8;
    const float* p = x + g0 * m;
    for (size_t j = 0; j < 8; ++j) {
      for (uint32_t t = 0; t < m; ++t) {
        const uint32_t k = j < ng ? key_at(p, j * m + t) : 0;
        top = k > top ? k : top;
        cell[t * 8 + j] = k;
      }
    }
    rank_lanes<0>(tile, m, nv, keep);
    uint8_t* out = mask + g0 * m;
    for (uint32_t t = 0; t < m; ++t) {
      const unsigned bits = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(keep[t])));
      for (size_t j = 0; j < ng; ++j) out[j * m + t] = static_cast<uint8_t>((bits >> j) & 1);
    }
  }
  return top > kInfKey;
}

MP_AVX2 bool nm_mask_avx2(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
                          uint8_t* mask) {
  const size_t total = outer * axis_len * inner;
  if (n >= m) return nm_all_kept(x, total, mask);
  if (inner == 1) {
    if (m == 2) return nm_rotated<2>(x, total, n, m, mask);
    if (m == 4) return nm_rotated<4>(x, total, n, m, mask);
    if (m == 8) return nm_rotated<8>(x, total, n, m, mask);
    return nm_tiled(x, total / m, n, m, mask);
  }
  if (m == 2) return nm_across<2>(x, outer, axis_len, inner, n, m, mask);
  if (m == 4) return nm_across<4>(x, outer, axis_len, inner, n, m, mask);
  if (m == 8) return nm_across<8>(x, outer, axis_len, inner, n, m, mask);
  return nm_across<0>(x, outer, axis_len, inner, n, m, mask);
}

#endif  // MODELPRESS_PRUNE_AVX2_NM_H
