#include "variants.h"

#include <atomic>
#include <string.h>

#include <string>

#include "../include/modelpress.h"
#include "cpu_features.h"

namespace mp {
namespace {

bool always() { return true; }
#if defined(__x86_64__) || defined(_M_X64)
bool has_avx512bf16() { return cpu_features().avx512bf16; }
bool has_avx512() { return cpu_features().avx512; }
bool has_avx2() { return cpu_features().avx2; }
#endif
#if defined(__aarch64__)
bool has_neon() { return cpu_features().neon; }
#endif

// Best first. The last entry is always the scalar reference, which runs anywhere.
const Variant kVariants[] = {
#if defined(__x86_64__) || defined(_M_X64)
    // avx512bf16 differs from avx512 only in the fp32 -> bf16 cast.
    {"avx512bf16", has_avx512bf16, &quant_avx512, &cast_avx512bf16, &stats_avx512, &qat_avx512, &int4_avx512, &codebook_avx512, &sparse_avx512,
     &prune_avx512, &sformat_avx512, &spmm_avx512, &distill_avx512},
    {"avx512", has_avx512, &quant_avx512, &cast_avx512, &stats_avx512, &qat_avx512, &int4_avx512, &codebook_avx512, &sparse_avx512,
     &prune_avx512, &sformat_avx512, &spmm_avx512, &distill_avx512},
    {"avx2", has_avx2, &quant_avx2, &cast_avx2, &stats_avx2, &qat_avx2, &int4_avx2, &codebook_avx2, &sparse_avx2,
     &prune_avx2, &sformat_avx2, &spmm_avx2, &distill_avx2},
#endif
#if defined(__aarch64__)
    {"neon", has_neon, &quant_neon, &cast_neon, &stats_neon, &qat_neon, &int4_neon, &codebook_neon, &sparse_neon,
     &prune_neon, &sformat_neon, &spmm_neon, &distill_neon},
#endif
#if defined(__wasm_simd128__)
    {"simd128", always, &quant_simd128, &cast_simd128, &stats_simd128, &qat_simd128, &int4_simd128, &codebook_simd128, &sparse_simd128,
     &prune_simd128, &sformat_simd128, &spmm_simd128, &distill_simd128},
#endif
    {"scalar", always, &quant_scalar, &cast_scalar, &stats_scalar, &qat_scalar, &int4_scalar, &codebook_scalar, &sparse_scalar,
     &prune_scalar, &sformat_scalar, &spmm_scalar, &distill_scalar},
};
constexpr size_t kCount = sizeof(kVariants) / sizeof(kVariants[0]);

size_t best_supported_from(size_t start) {
  for (size_t i = start; i < kCount; ++i)
    if (kVariants[i].supported()) return i;
  return kCount - 1;
}

// Process-wide; the tables are immutable, so readers on any thread only need
// to see a consistent index.
std::atomic<size_t> g_active{kCount};  // kCount = not yet chosen

std::string join_names(bool only_supported) {
  std::string names;
  for (size_t i = 0; i < kCount; ++i) {
    if (only_supported && !kVariants[i].supported()) continue;
    if (!names.empty()) names += ',';
    names += kVariants[i].name;
  }
  return names;
}

}  // namespace

const Variant& active_variant() {
  size_t i = g_active.load(std::memory_order_acquire);
  if (i == kCount) {
    i = best_supported_from(0);
    g_active.store(i, std::memory_order_release);
  }
  return kVariants[i];
}

}  // namespace mp

extern "C" {

// Function-local statics: initialised once, thread-safely, on first use.
const char* mp_compiled_variants(void) {
  static const std::string names = mp::join_names(false);
  return names.c_str();
}

const char* mp_supported_variants(void) {
  static const std::string names = mp::join_names(true);
  return names.c_str();
}

const char* mp_cpu_variant(void) { return mp::active_variant().name; }

mp_status mp_set_cpu_cap(const char* name) {
  if (name == nullptr) return MP_ERR_NULL_POINTER;
  for (size_t i = 0; i < mp::kCount; ++i) {
    if (strcmp(mp::kVariants[i].name, name) == 0) {
      mp::g_active.store(mp::best_supported_from(i), std::memory_order_release);
      return MP_OK;
    }
  }
  return MP_ERR_VARIANT;
}

}  // extern "C"
