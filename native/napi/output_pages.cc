#include "output_pages.h"

#include <stdint.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace mp {

void advise_output_pages(void* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  // Below 32 MiB, glibc's malloc recycles freed blocks (its mmap threshold grows up
  // to 32 MiB), whose pages are usually present; there the advice measured slower.
  if (bytes < 16 * kHuge) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end <= begin) return;
  // Memory that malloc recycled is already backed by pages; the advice would only
  // make the kernel compact it. Advise only where the first page is not yet present.
  unsigned char present = 0;
  if (mincore(reinterpret_cast<void*>(begin), 4096, &present) == 0 && (present & 1)) return;
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace mp
