// Walking the [outer, axis_len, inner] layout of per-axis parameters (see
// native/include/modelpress.h), shared by the C ABI entry points.
#ifndef MODELPRESS_LAYOUT_H
#define MODELPRESS_LAYOUT_H

#include <stddef.h>

namespace mp {

// Calls run(i, len, p) for consecutive runs [i, i + len) of the chunk that share
// parameter p (inner > 1), or each_run(i, len, p) for runs whose parameters advance
// one per element starting at p (inner == 1, axis_len > 1).
template <typename Run, typename EachRun>
inline void walk(size_t n, size_t offset, size_t axis_len, size_t inner, Run run, EachRun each_run) {
  if (axis_len == 1) {
    run(0, n, 0);
  } else if (inner == 1) {
    size_t p = offset % axis_len;
    for (size_t i = 0; i < n;) {
      const size_t len = (axis_len - p < n - i) ? axis_len - p : n - i;
      each_run(i, len, p);
      i += len;
      p = 0;
    }
  } else {
    for (size_t i = 0; i < n;) {
      const size_t pos = offset + i;
      const size_t in_run = inner - pos % inner;
      const size_t len = in_run < n - i ? in_run : n - i;
      run(i, len, (pos / inner) % axis_len);
      i += len;
    }
  }
}

}  // namespace mp

#endif
