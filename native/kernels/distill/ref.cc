// Scalar reference of the distill kernels: the C++ specification, with exp and log
// in double (so every value is within an ULP or so of exact) and sums in double.
#include <math.h>
#include <string.h>

#include "distill_kernels.h"

namespace mp {
namespace {

// m = max_j z_j * inv_t and log S, S = sum_j exp(z_j * inv_t - m).
void row_lse(const float* z, size_t cols, float inv_t, double* m, double* log_s) {
  // The max of the floats, then widened: the same value as fmax over the widened
  // floats, but GCC 12 for AArch64 crashes (ICE in vect_transform_reduction) when
  // it vectorises that widening fmax reduction at -O3.
  float mf = -INFINITY;
  for (size_t j = 0; j < cols; ++j) mf = fmaxf(mf, z[j] * inv_t);
  const double mx = mf;
  double s = 0;
  for (size_t j = 0; j < cols; ++j) s += exp(static_cast<double>(z[j] * inv_t) - mx);
  *m = mx;
  *log_s = log(s);
}

void softmax_rows_ref(const float* z, size_t rows, size_t cols, float inv_t, int log_out, float* out) {
  for (size_t r = 0; r < rows; ++r) {
    const float* zr = z + r * cols;
    double m, ls;
    row_lse(zr, cols, inv_t, &m, &ls);
    for (size_t j = 0; j < cols; ++j) {
      const double y = static_cast<double>(zr[j] * inv_t) - m - ls;
      out[r * cols + j] = static_cast<float>(log_out ? y : exp(y));
    }
  }
}

// The shared tail of kl_rows and kl_topk_rows: given log q for the row (through
// m, ls) and the teacher's p (a function of j), the losses and the gradient.
template <typename P>
void kl_row(const float* s, size_t cols, float inv_t, P p_of, float grad_scale, double* kl, double* ce, float* grad) {
  double m, ls;
  row_lse(s, cols, inv_t, &m, &ls);
  double k = 0, c = 0, psum = 0;
  for (size_t j = 0; j < cols; ++j) {
    const double p = p_of(j);
    psum += p;
    if (p > 0) {
      const double log_q = static_cast<double>(s[j] * inv_t) - m - ls;
      k += p * (log(p) - log_q);
      c -= p * log_q;
    }
  }
  if (kl) *kl = k;
  if (ce) *ce = c;
  if (grad) {
    for (size_t j = 0; j < cols; ++j) {
      const double q = exp(static_cast<double>(s[j] * inv_t) - m - ls);
      grad[j] += static_cast<float>(grad_scale * (q * psum - p_of(j)));
    }
  }
}

void kl_rows_ref(const float* s, const float* t, size_t rows, size_t cols, float inv_t, int teacher_probs,
                 float grad_scale, double* kl, double* ce, float* grad) {
  for (size_t r = 0; r < rows; ++r) {
    const float* tr = t + r * cols;
    double tm = 0, tls = 0;
    if (!teacher_probs) row_lse(tr, cols, inv_t, &tm, &tls);
    auto p_of = [&](size_t j) {
      return teacher_probs ? static_cast<double>(tr[j]) : exp(static_cast<double>(tr[j] * inv_t) - tm - tls);
    };
    kl_row(s + r * cols, cols, inv_t, p_of, grad_scale, kl ? kl + r : nullptr, ce ? ce + r : nullptr,
           grad ? grad + r * cols : nullptr);
  }
}

size_t kl_topk_rows_ref(const float* s, const int32_t* idx, const float* p, const float* rest, size_t rows,
                        size_t cols, size_t k, float inv_t, float grad_scale, double* kl, double* ce, float* grad) {
  for (size_t r = 0; r < rows; ++r) {
    const int32_t* ir = idx + r * k;
    for (size_t i = 0; i < k; ++i)
      if (ir[i] < 0 || static_cast<size_t>(ir[i]) >= cols) return r;
  }
  double* dense = new double[cols];
  for (size_t r = 0; r < rows; ++r) {
    const double other = k < cols ? static_cast<double>(rest[r]) / static_cast<double>(cols - k) : 0;
    for (size_t j = 0; j < cols; ++j) dense[j] = other;
    for (size_t i = 0; i < k; ++i) dense[idx[r * k + i]] = p[r * k + i];
    auto p_of = [&](size_t j) { return dense[j]; };
    kl_row(s + r * cols, cols, inv_t, p_of, grad_scale, kl ? kl + r : nullptr, ce ? ce + r : nullptr,
           grad ? grad + r * cols : nullptr);
  }
  delete[] dense;
  return rows;
}

size_t ce_rows_ref(const float* s, const int32_t* labels, size_t rows, size_t cols, int32_t ignore, float eps,
                   float grad_scale, double* loss, float* grad) {
  for (size_t r = 0; r < rows; ++r) {
    const int32_t y = labels[r];
    if (y == ignore) {
      loss[r] = 0;
      continue;
    }
    if (y < 0 || static_cast<size_t>(y) >= cols) return r;
    const float* sr = s + r * cols;
    double m, ls;
    row_lse(sr, cols, 1.0f, &m, &ls);
    double sum_log_q = 0;
    for (size_t j = 0; j < cols; ++j) sum_log_q += static_cast<double>(sr[j]) - m - ls;
    const double log_qy = static_cast<double>(sr[y]) - m - ls;
    loss[r] = -(1.0 - eps) * log_qy - (static_cast<double>(eps) / static_cast<double>(cols)) * sum_log_q;
    if (grad) {
      const double smooth = static_cast<double>(eps) / static_cast<double>(cols);
      for (size_t j = 0; j < cols; ++j) {
        const double q = exp(static_cast<double>(sr[j]) - m - ls);
        const double target = (j == static_cast<size_t>(y) ? 1.0 - eps : 0.0) + smooth;
        grad[r * cols + j] += static_cast<float>(grad_scale * (q - target));
      }
    }
  }
  return rows;
}

double sq_diff_ref(const float* s, const float* t, size_t n, float grad_scale, float* grad) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(s[i]) - static_cast<double>(t[i]);
    sum += d * d;
    if (grad) grad[i] += static_cast<float>(grad_scale * d);
  }
  return sum;
}

void cosine_rows_ref(const float* s, const float* t, size_t rows, size_t cols, float eps, float grad_scale,
                     double* loss, float* grad) {
  for (size_t r = 0; r < rows; ++r) {
    const float* sr = s + r * cols;
    const float* tr = t + r * cols;
    double dot = 0, ss = 0, tt = 0;
    for (size_t j = 0; j < cols; ++j) {
      dot += static_cast<double>(sr[j]) * tr[j];
      ss += static_cast<double>(sr[j]) * sr[j];
      tt += static_cast<double>(tr[j]) * tr[j];
    }
    const double s_norm = sqrt(ss), t_norm = sqrt(tt);
    const double ns = fmax(s_norm, static_cast<double>(eps)), nt = fmax(t_norm, static_cast<double>(eps));
    const double cos = dot / (ns * nt);
    loss[r] = 1 - cos;
    if (grad) {
      const double a = 1 / (ns * nt);
      const double b = s_norm > eps ? cos / (ns * ns) : 0;
      for (size_t j = 0; j < cols; ++j) grad[r * cols + j] += static_cast<float>(-grad_scale * (a * tr[j] - b * sr[j]));
    }
  }
}

void channel_mean_sq_ref(const float* a, size_t batch, size_t channels, size_t spatial, float* out) {
  for (size_t b = 0; b < batch; ++b) {
    for (size_t i = 0; i < spatial; ++i) {
      double sum = 0;
      for (size_t c = 0; c < channels; ++c) {
        const double v = a[(b * channels + c) * spatial + i];
        sum += v * v;
      }
      out[b * spatial + i] = static_cast<float>(sum / static_cast<double>(channels));
    }
  }
}

void scale_by_map_ref(const float* a, const float* g, size_t batch, size_t channels, size_t spatial, float* grad) {
  for (size_t b = 0; b < batch; ++b)
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < spatial; ++i) {
        const size_t at = (b * channels + c) * spatial + i;
        grad[at] += g[b * spatial + i] * a[at];
      }
}

}  // namespace

const DistillKernels distill_scalar = {softmax_rows_ref, kl_rows_ref,  kl_topk_rows_ref,    ce_rows_ref,
                                       sq_diff_ref,      cosine_rows_ref, channel_mean_sq_ref, scale_by_map_ref};

}  // namespace mp
