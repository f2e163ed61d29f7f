// Scalar reference of the non-uniform quantization kernels: the C++ specification.
#include <math.h>
#include <string.h>

#include "codebook_kernels.h"

namespace mp {
namespace {

void assign_ref(const float* x, size_t n, const float* bounds, uint32_t k, uint8_t* idx) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t c = 0;
    for (uint32_t j = 0; j + 1 < k; ++j) c += bounds[j] < x[i];
    idx[i] = static_cast<uint8_t>(c);
  }
}

void min_dist_ref(const float* x, size_t n, float c, float* d2) {
  for (size_t i = 0; i < n; ++i) {
    const float d = x[i] - c;
    const float s = d * d;
    if (s < d2[i]) d2[i] = s;
  }
}

void lookup_ref(const uint8_t* idx, size_t n, const float* table, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = table[idx[i]];
}

// The exponent e of the level nearest to a = |x| > 0: with a = m * 2^f, 1 <= m < 2,
// the candidates are 2^f and 2^(f+1), and the midpoint is 1.5 * 2^f.
int32_t nearest_exponent(float a) {
  int f;
  const float m = frexpf(a, &f);  // a = m * 2^f with 0.5 <= m < 1
  return m >= 0.75f ? f : f - 1;
}

void pow2_quantize_ref(const float* x, size_t n, int32_t emin, int32_t emax, uint8_t* codes) {
  const float half_min = ldexpf(1.0f, emin - 1);
  for (size_t i = 0; i < n; ++i) {
    const float a = fabsf(x[i]);
    int32_t code = 0;
    if (a >= half_min) {
      int32_t e = nearest_exponent(a);
      if (e < emin) e = emin;  // a in [2^(emin-1), 2^emin): nearer 2^emin than 0 (or tied)
      if (e > emax) e = emax;
      code = emax - e + 1;
      if (signbit(x[i])) code = -code;
    }
    codes[i] = static_cast<uint8_t>(static_cast<int8_t>(code));
  }
}

}  // namespace

const CodebookKernels codebook_scalar = {assign_ref, min_dist_ref, lookup_ref, pow2_quantize_ref};

}  // namespace mp
