// Internal interface of the distill family: softmax with temperature and the
// knowledge-distillation losses with their gradients, row by row over [rows, cols]
// logits (row-major). These are float results: a variant may use its own exp/log
// (accurate to a few ULP) and its own order of summation (sums in double), and
// must agree with ref.cc within the bounds stated in native/test/distill_variants_test.cc.
// Losses are per row in double; gradients are ADDED to grad (the caller zeroes it),
// so losses combine by calling kernels in turn. One table per instruction set,
// chosen by native/dispatch/.
#ifndef MODELPRESS_DISTILL_KERNELS_H
#define MODELPRESS_DISTILL_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace mp {

struct DistillKernels {
  // out[r, j] = softmax over j of z[r, :] * inv_t (log = 0) or its log (log = 1),
  // computed stably: m = max_j z*inv_t, e_j = exp(z_j*inv_t - m), S = sum e_j,
  // softmax = e_j / S, log_softmax = z_j*inv_t - m - log S. inv_t > 0 and finite.
  void (*softmax_rows)(const float* z, size_t rows, size_t cols, float inv_t, int log, float* out);

  // The student's q = softmax(s * inv_t) against the teacher's p: softmax(t * inv_t)
  // when teacher_probs = 0, or t itself when 1 (entries >= 0, used as given).
  // Per row: kl[r] = sum over p_j > 0 of p_j (log p_j - log q_j), ce[r] = -sum over
  // p_j > 0 of p_j log q_j, and, when grad is not null,
  // grad[r, j] += grad_scale * (q_j * P - p_j) with P = sum_j p_j (so the gradient is
  // exact even when p does not sum to 1). kl/ce may be null (not wanted).
  void (*kl_rows)(const float* s, const float* t, size_t rows, size_t cols, float inv_t, int teacher_probs,
                  float grad_scale, double* kl, double* ce, float* grad);

  // The same against a teacher stored as its top k: p[r, i] is the probability of
  // class idx[r, i] (distinct, in [0, cols)), and rest[r] is spread evenly over the
  // other cols - k classes (each rest[r] / (cols - k); 0 when k == cols). Returns
  // rows, or the first row with an index outside [0, cols) (outputs of that row and
  // later ones unspecified). Distinctness is the caller's to check.
  size_t (*kl_topk_rows)(const float* s, const int32_t* idx, const float* p, const float* rest, size_t rows,
                         size_t cols, size_t k, float inv_t, float grad_scale, double* kl, double* ce, float* grad);

  // Hard-label cross-entropy with label smoothing eps (PyTorch's cross_entropy):
  // q = softmax(s[r, :]); rows with labels[r] == ignore contribute nothing; else
  // loss[r] = -(1 - eps) log q_y - (eps / cols) sum_j log q_j and
  // grad[r, j] += grad_scale * (q_j - (1 - eps) [j == y] - eps / cols). Returns rows,
  // or the first row whose label is neither ignore nor in [0, cols).
  size_t (*ce_rows)(const float* s, const int32_t* labels, size_t rows, size_t cols, int32_t ignore, float eps,
                    float grad_scale, double* loss, float* grad);

  // Returns sum_i (s_i - t_i)^2 (in double); grad[i] += grad_scale * (s_i - t_i) if
  // grad is not null.
  double (*sq_diff)(const float* s, const float* t, size_t n, float grad_scale, float* grad);

  // Cosine distance per row: cos = s.t / (max(|s|, eps) max(|t|, eps)) (PyTorch's
  // cosine_similarity), loss[r] = 1 - cos, and if grad is not null grad[r, :] +=
  // grad_scale * d(1 - cos)/ds = -grad_scale * (t / (ns nt) - [|s| > eps] cos s / ns^2)
  // with ns = max(|s|, eps), nt = max(|t|, eps). Dot products and norms in double.
  void (*cosine_rows)(const float* s, const float* t, size_t rows, size_t cols, float eps, float grad_scale,
                      double* loss, float* grad);

  // Attention maps of activations a [batch, channels, spatial]: out[b, i] = mean
  // over c of a[b, c, i]^2 (accumulated in double, rounded to float).
  void (*channel_mean_sq)(const float* a, size_t batch, size_t channels, size_t spatial, float* out);
  // grad[b, c, i] += g[b, i] * a[b, c, i] (the chain rule through channel_mean_sq,
  // with its 2 / channels folded into g by the caller).
  void (*scale_by_map)(const float* a, const float* g, size_t batch, size_t channels, size_t spatial, float* grad);
};

extern const DistillKernels distill_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const DistillKernels distill_avx2;
extern const DistillKernels distill_avx512;
#endif
#if defined(__aarch64__)
extern const DistillKernels distill_neon;
#endif
#if defined(__wasm_simd128__)
extern const DistillKernels distill_simd128;
#endif

}  // namespace mp

#endif
