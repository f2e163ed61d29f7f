// simd128.cc, WebAssembly SIMD128: nm_mask (the n largest magnitudes of every m kept).
// Included only by simd128.cc, inside its namespace mp::{anonymous}: relies on
// that file's includes, using-declarations and helpers being in effect.
#ifndef MODELPRESS_PRUNE_SIMD128_NM_H
#define MODELPRESS_PRUNE_SIMD128_NM_H

// ---------------------------------------------------------------------------
// nm_mask
//
// u ranks above t if key_u > key_t, or key_u == key_t and u > t: key_u + [u > t] >
// key_t as unsigned 32-bit numbers (keys are below 2^31). Element t is kept if
// fewer than n rank above it.

// Four all-ones / zero lane masks -> 16 bytes of 1 / 0.
inline v128_t narrow16(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t one = wasm_i32x4_splat(1);
  const v128_t ab = wasm_u16x8_narrow_i32x4(wasm_v128_and(a, one), wasm_v128_and(b, one));
  const v128_t cd = wasm_u16x8_narrow_i32x4(wasm_v128_and(c, one), wasm_v128_and(d, one));
  return wasm_u8x16_narrow_i16x8(ab, cd);
}

// n >= m: every element is kept; only the NaN test is left.
bool nm_all_kept(const float* x, size_t total, uint8_t* mask) {
  v128_t top = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + 16 <= total; i += 16) {
    for (size_t j = 0; j < 16; j += 4) top = wasm_u32x4_max(top, keys(wasm_v128_load(x + i + j)));
    wasm_v128_store(mask + i, wasm_i8x16_splat(1));
  }
  uint32_t t = max_lane(top);
  for (; i < total; ++i) {
    const uint32_t k = key_at(x, i);
    t = k > t ? k : t;
    mask[i] = 1;
  }
  return t > kInfKey;
}

// Rotation S of the keys of groups of M (2, 4, 8) lanes: lane t gets the key of
// lane (t + S) mod M of its group. A group of 8 spans the two vectors k[0], k[1].
template <int M, int S>
inline void rotate(const v128_t* k, v128_t* out) {
  if (M == 2) {
    out[0] = wasm_i32x4_shuffle(k[0], k[0], 1, 0, 3, 2);
    out[1] = wasm_i32x4_shuffle(k[1], k[1], 1, 0, 3, 2);
  } else if (M == 4) {
    out[0] = wasm_i32x4_shuffle(k[0], k[0], S % 4, (S + 1) % 4, (S + 2) % 4, (S + 3) % 4);
    out[1] = wasm_i32x4_shuffle(k[1], k[1], S % 4, (S + 1) % 4, (S + 2) % 4, (S + 3) % 4);
  } else {
    out[0] = wasm_i32x4_shuffle(k[0], k[1], S % 8, (S + 1) % 8, (S + 2) % 8, (S + 3) % 8);
    out[1] = wasm_i32x4_shuffle(k[0], k[1], (S + 4) % 8, (S + 5) % 8, (S + 6) % 8, (S + 7) % 8);
  }
}

// cnt += 1 in the lanes where the partner of rotation S ranks above.
template <int M, int S>
inline void count_rotation(const v128_t* key, const v128_t (*bias)[2], v128_t* cnt) {
  if (S >= M) return;
  v128_t u[2];
  rotate<M, S>(key, u);
  for (int i = 0; i < 2; ++i) {
    cnt[i] = wasm_i32x4_sub(cnt[i], wasm_u32x4_gt(wasm_i32x4_add(u[i], bias[S - 1][i]), key[i]));
  }
}

// The keep lanes (all-ones) of 8 keys (two vectors), groups of M lanes; bias[s-1]
// (two vectors) is 1 where the partner of rotation s has the higher index.
template <int M>
inline void keep_rotated(const v128_t* key, const v128_t (*bias)[2], v128_t nv, v128_t* keep) {
  v128_t cnt[2] = {wasm_i32x4_splat(0), wasm_i32x4_splat(0)};
  count_rotation<M, 1>(key, bias, cnt);
  count_rotation<M, 2>(key, bias, cnt);
  count_rotation<M, 3>(key, bias, cnt);
  count_rotation<M, 4>(key, bias, cnt);
  count_rotation<M, 5>(key, bias, cnt);
  count_rotation<M, 6>(key, bias, cnt);
  count_rotation<M, 7>(key, bias, cnt);
  keep[0] = wasm_u32x4_lt(cnt[0], nv);
  keep[1] = wasm_u32x4_lt(cnt[1], nv);
}

// inner == 1, m = M: the groups are consecutive M elements; 16 at a time, the
// rest (whole groups) by the scalar part.
template <int M>
bool nm_rotated(const float* x, size_t total, uint32_t n, uint32_t m, uint8_t* mask) {
  v128_t bias[7][2];
  for (int s = 1; s < M; ++s) {
    for (int i = 0; i < 2; ++i) {
      uint32_t b[4];
      for (int l = 0; l < 4; ++l) b[l] = (4 * i + l) % M + s < M;
      bias[s - 1][i] = wasm_v128_load(b);
    }
  }
  const v128_t nv = wasm_u32x4_splat(n);
  v128_t top = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + 16 <= total; i += 16) {
    v128_t key[4], keep[4];
    for (int j = 0; j < 4; ++j) {
      key[j] = keys(wasm_v128_load(x + i + 4 * j));
      top = wasm_u32x4_max(top, key[j]);
    }
    keep_rotated<M>(key, bias, nv, keep);
    keep_rotated<M>(key + 2, bias, nv, keep + 2);
    wasm_v128_store(mask + i, narrow16(keep[0], keep[1], keep[2], keep[3]));
  }
  bool nan = max_lane(top) > kInfKey;
  for (; i < total; i += m) nan |= nm_group(x, i, 1, n, m, mask);
  return nan;
}

// Groups across the lanes: key[t] holds element t of 4 groups; keep[t] gets the
// lanes (all-ones) where element t is kept.
// M = 2, 4, 8 (registers): one compare per pair t < u; cnt[u] starts at u (as if
// every lower index ranked above u) and loses 1 where u ranks above t, which
// gives cnt[t] 1. M = 0 (any m): per t, the count over every u.
template <int M>
inline void rank_lanes(const v128_t* key, uint32_t m, v128_t nv, v128_t* keep) {
  if (M != 0) {
    v128_t cnt[M ? M : 1];
    for (int t = 0; t < M; ++t) cnt[t] = wasm_i32x4_splat(t);
    for (int t = 0; t < M; ++t) {
      for (int u = t + 1; u < M; ++u) {
        const v128_t above = wasm_u32x4_ge(key[u], key[t]);  // all-ones where u ranks above t
        cnt[t] = wasm_i32x4_sub(cnt[t], above);
        cnt[u] = wasm_i32x4_add(cnt[u], above);
      }
    }
    for (int t = 0; t < M; ++t) keep[t] = wasm_u32x4_lt(cnt[t], nv);
    return;
  }
  for (uint32_t t = 0; t < m; ++t) {
    const v128_t kt = key[t];
    v128_t cnt = wasm_i32x4_splat(0);
    for (uint32_t u = 0; u < t; ++u) cnt = wasm_i32x4_sub(cnt, wasm_u32x4_gt(key[u], kt));
    for (uint32_t u = t + 1; u < m; ++u) cnt = wasm_i32x4_sub(cnt, wasm_u32x4_ge(key[u], kt));
    keep[t] = wasm_u32x4_lt(cnt, nv);
  }
}

// 4 keep lanes (all-ones / 0) as 4 mask bytes.
inline void store_keep4(v128_t keep, uint8_t* out) {
  const v128_t w = wasm_u16x8_narrow_i32x4(wasm_v128_and(keep, wasm_i32x4_splat(1)), wasm_i32x4_splat(0));
  wasm_v128_store32_lane(out, wasm_u8x16_narrow_i16x8(w, w), 0);
}

// inner > 1: lanes run across i, 4 at a time; the last inner % 4 lanes of each
// group by the scalar part.
template <int M>
bool nm_across(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m_any,
               uint8_t* mask) {
  const uint32_t m = M ? M : m_any;
  const v128_t nv = wasm_u32x4_splat(n);
  v128_t top = wasm_i32x4_splat(0);
  v128_t key[M ? M : 256], keep[M ? M : 256];
  bool nan = false;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t g = 0; g < axis_len; g += m) {
      const size_t base = (o * axis_len + g) * inner;
      size_t i = 0;
      for (; i + 4 <= inner; i += 4) {
        for (uint32_t t = 0; t < m; ++t) {
          key[t] = keys(wasm_v128_load(x + base + t * inner + i));
          top = wasm_u32x4_max(top, key[t]);
        }
        rank_lanes<M>(key, m, nv, keep);
        for (uint32_t t = 0; t < m; ++t) store_keep4(keep[t], mask + base + t * inner + i);
      }
      for (; i < inner; ++i) nan |= nm_group(x, base + i, inner, n, m, mask);
    }
  }
  return nan || max_lane(top) > kInfKey;
}

// inner == 1, other m: 4 groups at a time, their keys transposed through a tile
// (row t = element t of the 4 groups), then as nm_across.
bool nm_tiled(const float* x, size_t groups, uint32_t n, uint32_t m, uint8_t* mask) {
  const v128_t nv = wasm_u32x4_splat(n);
  v128_t key[256], keep[256];
  uint32_t cell[4 * 256];
  uint32_t top = 0;
  for (size_t g0 = 0; g0 < groups; g0 += 4) {
    const size_t ng = groups - g0 < 4 ? groups - g0 : 4;
    const float* p = x + g0 * m;
    for (size_t j = 0; j < 4; ++j) {
      for (uint32_t t = 0; t < m; ++t) {
        const uint32_t k = j < ng ? key_at(p, j * m + t) : 0;
        top = k > top ? k : top;
        cell[t * 4 + j] = k;
      }
    }
    for (uint32_t t = 0; t < m; ++t) key[t] = wasm_v128_load(cell + 4 * t);
    rank_lanes<0>(key, m, nv, keep);
    for (uint32_t t = 0; t < m; ++t) wasm_v128_store(cell + 4 * t, keep[t]);
    uint8_t* out = mask + g0 * m;
    for (size_t j = 0; j < ng; ++j) {
      for (uint32_t t = 0; t < m; ++t) out[j * m + t] = static_cast<uint8_t>(cell[t * 4 + j] & 1);
    }
  }
  return top > kInfKey;
}

bool nm_mask_simd128(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
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

#endif  // MODELPRESS_PRUNE_SIMD128_NM_H
