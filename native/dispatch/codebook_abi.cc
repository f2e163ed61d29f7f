// The C ABI of non-uniform quantization: k-means codebooks, table lookup and
// power-of-two codes, over the codebook table of the active CPU variant.
#include <math.h>

#include "../include/modelpress.h"
#include "kmeans.h"
#include "variants.h"

extern "C" {

mp_status mp_kmeans(const float* x, size_t n, uint32_t k, uint32_t seed, uint32_t max_iter, size_t init_sample,
                    float* centroids, uint8_t* idx, uint32_t* iterations, size_t* bad_index) {
  if (k < 2 || k > 256 || (k & (k - 1)) != 0 || n == 0 || init_sample == 0) return MP_ERR_RANGE;
  if (x == nullptr || centroids == nullptr || idx == nullptr || iterations == nullptr || bad_index == nullptr)
    return MP_ERR_NULL_POINTER;
  const mp::Variant& v = mp::active_variant();
  float lo = INFINITY, hi = -INFINITY;
  if (v.quant->min_max(x, n, &lo, &hi)) {
    for (size_t i = 0; i < n; ++i) {
      if (!isfinite(x[i])) {
        *bad_index = i;
        return MP_ERR_NON_FINITE;
      }
    }
  }
  if (!mp::kmeans_1d(*v.codebook, x, n, k, seed, max_iter, init_sample, centroids, idx, iterations))
    return MP_ERR_NULL_POINTER;  // out of memory for the scratch buffers
  return MP_OK;
}

mp_status mp_lookup(const uint8_t* idx, size_t n, const float* table, float* out) {
  if (n == 0) return MP_OK;
  if (idx == nullptr || table == nullptr || out == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().codebook->lookup(idx, n, table, out);
  return MP_OK;
}

mp_status mp_pow2_quantize(const float* x, size_t n, int32_t emin, int32_t emax, uint8_t* codes) {
  if (emin < -125 || emax > 127 || emin > emax || emax - emin > 126) return MP_ERR_RANGE;
  if (n == 0) return MP_OK;
  if (x == nullptr || codes == nullptr) return MP_ERR_NULL_POINTER;
  mp::active_variant().codebook->pow2_quantize(x, n, emin, emax, codes);
  return MP_OK;
}

}  // extern "C"
