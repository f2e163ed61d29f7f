#include "kmeans.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>

namespace mp {
namespace {

inline uint32_t rotl(uint32_t v, int s) { return (v << s) | (v >> (32 - s)); }

// k-means++ on sample[0..m): fills centroids[0..k).
bool init_plus_plus(const CodebookKernels& kern, const float* sample, size_t m, uint32_t k, KmeansRandom& rng,
                    float* centroids) {
  float* d2 = static_cast<float*>(malloc(m * sizeof(float)));
  if (d2 == nullptr) return false;
  for (size_t i = 0; i < m; ++i) d2[i] = INFINITY;
  centroids[0] = sample[static_cast<size_t>(rng.uniform() * static_cast<double>(m))];
  for (uint32_t c = 1; c < k; ++c) {
    kern.min_dist(sample, m, centroids[c - 1], d2);
    double total = 0;
    for (size_t i = 0; i < m; ++i) total += d2[i];
    if (total == 0) {  // every value is a centroid already
      for (; c < k; ++c) centroids[c] = centroids[c - 1];
      break;
    }
    const double target = rng.uniform() * total;
    double running = 0;
    size_t pick = m;
    for (size_t i = 0; i < m; ++i) {
      running += d2[i];
      if (running > target) {
        pick = i;
        break;
      }
    }
    if (pick == m) {  // rounding left the target at the very top: the last value with weight
      pick = m - 1;
      while (d2[pick] == 0) --pick;
    }
    centroids[c] = sample[pick];
  }
  free(d2);
  return true;
}

}  // namespace

KmeansRandom::KmeansRandom(uint32_t seed) {
  uint32_t state = seed;
  for (uint32_t& word : s_) {  // splitmix32
    state += 0x9E3779B9u;
    uint32_t z = state;
    z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
    z = (z ^ (z >> 13)) * 0xC2B2AE35u;
    word = z ^ (z >> 16);
  }
}

uint32_t KmeansRandom::next() {  // xoshiro128**
  const uint32_t result = rotl(s_[1] * 5, 7) * 9;
  const uint32_t t = s_[1] << 9;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 11);
  return result;
}

bool kmeans_1d(const CodebookKernels& kern, const float* x, size_t n, uint32_t k, uint32_t seed, uint32_t max_iter,
               size_t init_sample, float* centroids, uint8_t* idx, uint32_t* iterations) {
  const size_t stride = init_sample >= n ? 1 : (n + init_sample - 1) / init_sample;
  const size_t m = (n + stride - 1) / stride;
  const float* sample = x;
  float* strided = nullptr;
  if (stride > 1) {
    strided = static_cast<float*>(malloc(m * sizeof(float)));
    if (strided == nullptr) return false;
    for (size_t i = 0; i < m; ++i) strided[i] = x[i * stride];
    sample = strided;
  }
  KmeansRandom rng(seed);
  const bool ok = init_plus_plus(kern, sample, m, k, rng, centroids);
  free(strided);
  if (!ok) return false;
  std::sort(centroids, centroids + k);

  float bounds[256];
  double sums[256];
  double counts[256];
  uint32_t it = 0;
  for (;;) {
    for (uint32_t j = 0; j + 1 < k; ++j)
      bounds[j] = static_cast<float>((static_cast<double>(centroids[j]) + centroids[j + 1]) / 2);
    kern.assign(x, n, bounds, k, idx);
    if (it == max_iter) break;
    ++it;
    memset(sums, 0, sizeof(sums));
    memset(counts, 0, sizeof(counts));
    for (size_t i = 0; i < n; ++i) {
      sums[idx[i]] += x[i];
      counts[idx[i]] += 1;
    }
    bool changed = false;
    for (uint32_t j = 0; j < k; ++j) {
      if (counts[j] == 0) continue;
      const float c = static_cast<float>(sums[j] / counts[j]);
      if (c != centroids[j]) changed = true;
      centroids[j] = c;
    }
    if (!changed) break;
  }
  *iterations = it;
  return true;
}

}  // namespace mp
