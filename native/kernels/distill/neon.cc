// AArch64 Advanced SIMD (NEON) variant of the distill kernels: kernels_impl.h over
// V128 (vec_math_128.h, 4 floats; tails copied into a padded block on the stack
// and back). NEON is part of the AArch64 baseline, so no target attributes are
// needed (MP_DISTILL_TARGET is empty, MP_BODY only forces the loop bodies inline).
#include "distill_kernels.h"

#if defined(__aarch64__)

#define MP_BODY __attribute__((always_inline))
#include "vec_math_128.h"
#include "kernels_impl.h"

namespace mp {
namespace {
using Impl = distill_vm::DistillImpl<distill_vm::V128, 2>;
}  // namespace

const DistillKernels distill_neon = {Impl::softmax_rows, Impl::kl_rows,     Impl::kl_topk_rows,    Impl::ce_rows,
                                     Impl::sq_diff,      Impl::cosine_rows, Impl::channel_mean_sq, Impl::scale_by_map};

}  // namespace mp

#endif  // __aarch64__
