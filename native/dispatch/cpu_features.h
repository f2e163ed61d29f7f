// What the running CPU and OS can execute. The only code that knows about CPUID,
// XGETBV or getauxval; everything else asks for a variant by name.
#ifndef MODELPRESS_CPU_FEATURES_H
#define MODELPRESS_CPU_FEATURES_H

namespace mp {

struct CpuFeatures {
  bool avx2 = false;        // AVX2 + FMA + F16C, with YMM state enabled by the OS
  bool avx512 = false;      // AVX-512 F/BW/DQ/VL, with ZMM and opmask state enabled by the OS
  bool avx512bf16 = false;  // AVX512_BF16 (vcvtneps2bf16) on top of avx512
  bool neon = false;    // Advanced SIMD (always present on AArch64)
};

// Detected once, then cached.
const CpuFeatures& cpu_features();

}  // namespace mp

#endif
