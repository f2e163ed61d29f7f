// 4-bit tensors (MP_QTYPE_INT4 / UINT4) through the byte kernels: quantize a tile
// into a small byte buffer with the 4-bit qmin / qmax, then pack it; or unpack a
// tile and dequantize the bytes. A tile stays in L1, so this costs one extra pass
// over cache, not over memory.
#ifndef MODELPRESS_NIBBLE_TILES_H
#define MODELPRESS_NIBBLE_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "../kernels/int4/int4_kernels.h"

namespace mp {

constexpr size_t kNibbleTile = 4096;  // elements; even, so tiles start on a byte

// produce(t, len, bytes) writes one byte per element for elements [t, t + len) of
// the call; they are then packed into out (which points at the call's first byte).
template <typename Produce>
inline void produce_packed(size_t n, uint8_t* out, bool is_signed, const Int4Kernels& k, Produce produce) {
  uint8_t tile[kNibbleTile];
  for (size_t t = 0; t < n; t += kNibbleTile) {
    const size_t len = n - t < kNibbleTile ? n - t : kNibbleTile;
    produce(t, len, tile);
    k.pack(tile, out + t / 2, len, is_signed);  // in range: the kernels clamped to it
  }
}

// consume(t, len, bytes) receives the unpacked bytes of elements [t, t + len).
template <typename Consume>
inline void consume_packed(size_t n, const uint8_t* q, bool is_signed, const Int4Kernels& k, Consume consume) {
  uint8_t tile[kNibbleTile];
  for (size_t t = 0; t < n; t += kNibbleTile) {
    const size_t len = n - t < kNibbleTile ? n - t : kNibbleTile;
    k.unpack(q + t / 2, tile, len, is_signed);
    consume(t, len, tile);
  }
}

}  // namespace mp

#endif
