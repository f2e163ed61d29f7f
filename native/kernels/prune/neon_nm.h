// neon.cc, NEON: nm_mask (the n largest magnitudes of every m kept).
// Included only by neon.cc, inside its namespace mp::{anonymous}: relies on
// that file's includes, using-declarations and helpers being in effect.
#ifndef MODELPRESS_PRUNE_NEON_NM_H
#define MODELPRESS_PRUNE_NEON_NM_H

// ---------------------------------------------------------------------------
// nm_mask
//
// u ranks above t if key_u > key_t, or key_u == key_t and u > t: key_u + [u > t] >
// key_t as unsigned 32-bit numbers (keys are below 2^31). Element t is kept if
// fewer than n rank above it.

// Four all-ones / zero lane masks -> 16 bytes of 1 / 0.
inline uint8x16_t narrow16(uint32x4_t a, uint32x4_t b, uint32x4_t c, uint32x4_t d) {
  const uint16x8_t ab = vcombine_u16(vmovn_u32(a), vmovn_u32(b));
  const uint16x8_t cd = vcombine_u16(vmovn_u32(c), vmovn_u32(d));
  return vandq_u8(vcombine_u8(vmovn_u16(ab), vmovn_u16(cd)), vdupq_n_u8(1));
}

// n >= m: every element is kept; only the NaN test is left.
bool nm_all_kept(const float* x, size_t total, uint8_t* mask) {
  uint32x4_t top = vdupq_n_u32(0);
  size_t i = 0;
  for (; i + 16 <= total; i += 16) {
    for (size_t j = 0; j < 16; j += 4) top = vmaxq_u32(top, keys(vld1q_f32(x + i + j)));
    vst1q_u8(mask + i, vdupq_n_u8(1));
  }
  uint32_t t = vmaxvq_u32(top);
  for (; i < total; ++i) {
    const uint32_t k = key_at(x, i);
    t = k > t ? k : t;
    mask[i] = 1;
  }
  return t > kInfKey;
}

// Rotation s of the keys of groups of M (2, 4, 8) lanes: lane t gets the key of
// lane (t + s) mod M of its group. A group of 8 spans the two vectors k[0], k[1].
template <int M>
inline void rotate(const uint32x4_t* k, int s, uint32x4_t* out) {
  if (M == 2) {
    out[0] = vrev64q_u32(k[0]);
    out[1] = vrev64q_u32(k[1]);
  } else if (M == 4) {
    for (int i = 0; i < 2; ++i) {
      out[i] = s == 1 ? vextq_u32(k[i], k[i], 1) : s == 2 ? vextq_u32(k[i], k[i], 2) : vextq_u32(k[i], k[i], 3);
    }
  } else {
    switch (s) {
      case 1: out[0] = vextq_u32(k[0], k[1], 1), out[1] = vextq_u32(k[1], k[0], 1); break;
      case 2: out[0] = vextq_u32(k[0], k[1], 2), out[1] = vextq_u32(k[1], k[0], 2); break;
      case 3: out[0] = vextq_u32(k[0], k[1], 3), out[1] = vextq_u32(k[1], k[0], 3); break;
      case 4: out[0] = k[1], out[1] = k[0]; break;
      case 5: out[0] = vextq_u32(k[1], k[0], 1), out[1] = vextq_u32(k[0], k[1], 1); break;
      case 6: out[0] = vextq_u32(k[1], k[0], 2), out[1] = vextq_u32(k[0], k[1], 2); break;
      default: out[0] = vextq_u32(k[1], k[0], 3), out[1] = vextq_u32(k[0], k[1], 3); break;
    }
  }
}

// The keep lanes (all-ones) of 8 keys (two vectors), groups of M lanes; bias[s-1]
// (two vectors) is 1 where the partner of rotation s has the higher index.
template <int M>
inline void keep_rotated(const uint32x4_t* key, const uint32x4_t (*bias)[2], uint32x4_t nv, uint32x4_t* keep) {
  uint32x4_t cnt[2] = {vdupq_n_u32(0), vdupq_n_u32(0)};
  for (int s = 1; s < M; ++s) {
    uint32x4_t u[2];
    rotate<M>(key, s, u);
    for (int i = 0; i < 2; ++i) cnt[i] = vsubq_u32(cnt[i], vcgtq_u32(vaddq_u32(u[i], bias[s - 1][i]), key[i]));
  }
  keep[0] = vcltq_u32(cnt[0], nv);
  keep[1] = vcltq_u32(cnt[1], nv);
}

// inner == 1, m = M: the groups are consecutive M elements; 16 at a time, the
// rest (whole groups) by the scalar part.
template <int M>
bool nm_rotated(const float* x, size_t total, uint32_t n, uint32_t m, uint8_t* mask) {
  uint32x4_t bias[M - 1][2];
  for (int s = 1; s < M; ++s) {
    for (int i = 0; i < 2; ++i) {
      uint32_t b[4];
      for (int l = 0; l < 4; ++l) b[l] = (4 * i + l) % M + s < M;
      bias[s - 1][i] = vld1q_u32(b);
    }
  }
  const uint32x4_t nv = vdupq_n_u32(n);
  uint32x4_t top = vdupq_n_u32(0);
  size_t i = 0;
  for (; i + 16 <= total; i += 16) {
    uint32x4_t key[4], keep[4];
    for (int j = 0; j < 4; ++j) {
      key[j] = keys(vld1q_f32(x + i + 4 * j));
      top = vmaxq_u32(top, key[j]);
    }
    keep_rotated<M>(key, bias, nv, keep);
    keep_rotated<M>(key + 2, bias, nv, keep + 2);
    vst1q_u8(mask + i, narrow16(keep[0], keep[1], keep[2], keep[3]));
  }
  bool nan = vmaxvq_u32(top) > kInfKey;
  for (; i < total; i += m) nan |= nm_group(x, i, 1, n, m, mask);
  return nan;
}

// Groups across the lanes: key[t] holds element t of 4 groups; keep[t] gets the
// lanes (all-ones) where element t is kept.
// M = 2, 4, 8 (registers): one compare per pair t < u; cnt[u] starts at u (as if
// every lower index ranked above u) and loses 1 where u ranks above t, which
// gives cnt[t] 1. M = 0 (any m): per t, the count over every u.
template <int M>
inline void rank_lanes(const uint32x4_t* key, uint32_t m, uint32x4_t nv, uint32x4_t* keep) {
  if (M != 0) {
    uint32x4_t cnt[M ? M : 1];
    for (int t = 0; t < M; ++t) cnt[t] = vdupq_n_u32(static_cast<uint32_t>(t));
    for (int t = 0; t < M; ++t) {
      for (int u = t + 1; u < M; ++u) {
        const uint32x4_t above = vcgeq_u32(key[u], key[t]);  // all-ones where u ranks above t
        cnt[t] = vsubq_u32(cnt[t], above);
        cnt[u] = vaddq_u32(cnt[u], above);
      }
    }
    for (int t = 0; t < M; ++t) keep[t] = vcltq_u32(cnt[t], nv);
    return;
  }
  for (uint32_t t = 0; t < m; ++t) {
    const uint32x4_t kt = key[t];
    uint32x4_t cnt = vdupq_n_u32(0);
    for (uint32_t u = 0; u < t; ++u) cnt = vsubq_u32(cnt, vcgtq_u32(key[u], kt));
    for (uint32_t u = t + 1; u < m; ++u) cnt = vsubq_u32(cnt, vcgeq_u32(key[u], kt));
    keep[t] = vcltq_u32(cnt, nv);
  }
}

// 4 keep lanes (all-ones / 0) as 4 mask bytes.
inline void store_keep4(uint32x4_t keep, uint8_t* out) {
  const uint16x4_t w = vmovn_u32(keep);
  const uint8x8_t b = vand_u8(vmovn_u16(vcombine_u16(w, w)), vdup_n_u8(1));
  const uint32_t bytes = vget_lane_u32(vreinterpret_u32_u8(b), 0);
  memcpy(out, &bytes, sizeof bytes);  // out need not be 4-byte aligned
}

// inner > 1: lanes run across i, 4 at a time; the last inner % 4 lanes of each
// group by the scalar part.
template <int M>
bool nm_across(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m_any,
               uint8_t* mask) {
  const uint32_t m = M ? M : m_any;
  const uint32x4_t nv = vdupq_n_u32(n);
  uint32x4_t top = vdupq_n_u32(0);
  uint32x4_t key[M ? M : 256], keep[M ? M : 256];
  bool nan = false;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t g = 0; g < axis_len; g += m) {
      const size_t base = (o * axis_len + g) * inner;
      size_t i = 0;
      for (; i + 4 <= inner; i += 4) {
        for (uint32_t t = 0; t < m; ++t) {
          key[t] = keys(vld1q_f32(x + base + t * inner + i));
          top = vmaxq_u32(top, key[t]);
        }
        rank_lanes<M>(key, m, nv, keep);
        for (uint32_t t = 0; t < m; ++t) store_keep4(keep[t], mask + base + t * inner + i);
      }
      for (; i < inner; ++i) nan |= nm_group(x, base + i, inner, n, m, mask);
    }
  }
  return nan || vmaxvq_u32(top) > kInfKey;
}

// inner == 1, other m: 4 groups at a time, their keys transposed through a tile
// (row t = element t of the 4 groups), then as nm_across.
bool nm_tiled(const float* x, size_t groups, uint32_t n, uint32_t m, uint8_t* mask) {
  const uint32x4_t nv = vdupq_n_u32(n);
  uint32x4_t key[256], keep[256];
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
    for (uint32_t t = 0; t < m; ++t) key[t] = vld1q_u32(cell + 4 * t);
    rank_lanes<0>(key, m, nv, keep);
    for (uint32_t t = 0; t < m; ++t) vst1q_u32(cell + 4 * t, keep[t]);
    uint8_t* out = mask + g0 * m;
    for (size_t j = 0; j < ng; ++j) {
      for (uint32_t t = 0; t < m; ++t) out[j * m + t] = static_cast<uint8_t>(cell[t * 4 + j] & 1);
    }
  }
  return top > kInfKey;
}

bool nm_mask_neon(const float* x, size_t outer, size_t axis_len, size_t inner, uint32_t n, uint32_t m,
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

#endif  // MODELPRESS_PRUNE_NEON_NM_H
