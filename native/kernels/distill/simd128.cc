// WebAssembly SIMD128 variant of the distill kernels: kernels_impl.h over V128
// (vec_math_128.h, 4 floats; no fused multiply-add, so it multiplies and adds
// instead; tails copied into a padded block on the stack and back). Built by emcc
// with -msimd128, so the whole module requires SIMD and no target attributes are
// needed (MP_DISTILL_TARGET is empty, MP_BODY only forces the loop bodies inline).
#include "distill_kernels.h"

#if defined(__wasm_simd128__)

#define MP_BODY __attribute__((always_inline))
#include "vec_math_128.h"
#include "kernels_impl.h"

namespace mp {
namespace {
// kl_rows' exp pass takes one vector per step (two exps): faster under V8, which
// keeps fewer vectors in registers.
using Impl = distill_vm::DistillImpl<distill_vm::V128, 1>;
}  // namespace

const DistillKernels distill_simd128 = {Impl::softmax_rows,    Impl::kl_rows,     Impl::kl_topk_rows,
                                        Impl::ce_rows,         Impl::sq_diff,     Impl::cosine_rows,
                                        Impl::channel_mean_sq, Impl::scale_by_map};

}  // namespace mp

#endif  // __wasm_simd128__
