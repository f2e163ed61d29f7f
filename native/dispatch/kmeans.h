// 1-D k-means with k-means++ initialisation (mp_kmeans; the algorithm is specified
// step by step in native/include/modelpress.h, and src/backends/reference-codebook.ts
// reproduces it exactly).
#ifndef MODELPRESS_KMEANS_H
#define MODELPRESS_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "../kernels/codebook/codebook_kernels.h"

namespace mp {

// The random numbers of the initialisation: xoshiro128** seeded by splitmix32.
class KmeansRandom {
 public:
  explicit KmeansRandom(uint32_t seed);
  uint32_t next();
  // Uniform in [0, 1): the top 24 bits of one output times 2^-24.
  double uniform() { return (next() >> 8) * (1.0 / 16777216.0); }

 private:
  uint32_t s_[4];
};

// x finite, n >= 1, k a power of two in [2, 256]. Returns false if memory ran out.
bool kmeans_1d(const CodebookKernels& kernels, const float* x, size_t n, uint32_t k, uint32_t seed,
               uint32_t max_iter, size_t init_sample, float* centroids, uint8_t* idx, uint32_t* iterations);

}  // namespace mp

#endif
