// Walking the blocked layout of ONNX QuantizeLinear opset 21 (`block_size`): the
// tensor is [outer, axis_len, inner], the parameters [outer, nb, inner] with
// nb = ceil(axis_len / block_size). See native/include/modelpress.h.
#ifndef MODELPRESS_BLOCKED_LAYOUT_H
#define MODELPRESS_BLOCKED_LAYOUT_H

#include <stddef.h>

namespace mp {

struct Blocked {
  size_t axis_len, inner, block_size, nb;

  Blocked(size_t axis_len_, size_t inner_, size_t block_size_)
      : axis_len(axis_len_), inner(inner_), block_size(block_size_),
        nb(block_size_ == 0 ? 0 : (axis_len_ + block_size_ - 1) / block_size_) {}

  bool valid() const { return axis_len > 0 && inner > 0 && block_size > 0; }

  // Block row of flat element pos: o * nb + a / block_size. Non-decreasing in pos.
  size_t block_of(size_t pos) const {
    const size_t o = pos / (axis_len * inner);
    const size_t a = (pos / inner) % axis_len;
    return o * nb + a / block_size;
  }
  // Parameters touched by elements [offset, offset + n), n > 0: [first, last).
  size_t first_param(size_t offset) const { return block_of(offset) * inner; }
  size_t end_param(size_t offset, size_t n) const { return (block_of(offset + n - 1) + 1) * inner; }
};

// Calls run(i, len, p) for runs [i, i + len) of the call sharing parameter p
// (inner == 1: along the axis, at most a block), or each_run(i, len, p) for runs
// whose parameters advance one per element from p (inner > 1). The position is
// tracked incrementally: blocks can be a few elements long, and integer
// divisions per run would cost more than the run.
template <typename Run, typename EachRun>
inline void walk_blocked(size_t n, size_t offset, const Blocked& b, Run run, EachRun each_run) {
  const size_t slice = b.axis_len * b.inner;
  size_t o = offset / slice;                  // outer index
  size_t a = offset / b.inner % b.axis_len;   // index along the axis
  size_t j = offset % b.inner;                // inner index
  size_t block = a / b.block_size;            // block along the axis
  size_t in_block = a % b.block_size;         // position inside it
  for (size_t i = 0; i < n;) {
    size_t len;
    if (b.inner == 1) {
      len = b.block_size - in_block;
      if (len > b.axis_len - a) len = b.axis_len - a;
      if (len > n - i) len = n - i;
      run(i, len, o * b.nb + block);
      a += len;
      in_block += len;
    } else {
      len = b.inner - j < n - i ? b.inner - j : n - i;
      each_run(i, len, (o * b.nb + block) * b.inner + j);
      j += len;
      if (j < b.inner) break;  // the call ended inside this run
      j = 0;
      ++a;
      ++in_block;
    }
    i += len;
    if (a == b.axis_len) {
      a = 0;
      block = 0;
      in_block = 0;
      ++o;
    } else if (in_block == b.block_size) {
      in_block = 0;
      ++block;
    }
  }
}

}  // namespace mp

#endif
