// AVX-512 (F/BW/DQ/VL) variant of the distill kernels: kernels_impl.h over Avx512
// (vec_math_x86.h, 16 floats; exp scaled by vscalefps, one rounding, denormals
// included; tails by masked loads and stores, which never touch the masked-off
// bytes).
//
// This file is compiled for the baseline x86-64 ISA. Every function that uses
// AVX-512 carries MP_DISTILL_TARGET (a target attribute; the loop bodies are
// lambdas with MP_BODY) and is only reached through distill_avx512, which dispatch
// selects after cpu_features() reported AVX-512.
#include "distill_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)

#define MP_DISTILL_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#define MP_BODY __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"), always_inline))
#include "vec_math_x86.h"
#include "kernels_impl.h"

namespace mp {
namespace {
using Impl = distill_vm::DistillImpl<distill_vm::Avx512, 2>;
}  // namespace

const DistillKernels distill_avx512 = {Impl::softmax_rows, Impl::kl_rows,     Impl::kl_topk_rows,    Impl::ce_rows,
                                       Impl::sq_diff,      Impl::cosine_rows, Impl::channel_mean_sq, Impl::scale_by_map};

}  // namespace mp

#endif  // x86-64
