// Page-size advice for large output buffers, so that their first touch is cheap.
#ifndef MODELPRESS_OUTPUT_PAGES_H
#define MODELPRESS_OUTPUT_PAGES_H

#include <stddef.h>

namespace mp {

// A freshly allocated 64 MiB typed array is a fresh anonymous mapping: writing it the
// first time costs one page fault per 4 KiB page (16 Ki faults), which on a VM runs far
// below 1 GB/s and dwarfs the kernel. Where the kernel offers transparent huge pages
// on request (Linux, "madvise" mode), asking for them on the 2 MiB-aligned interior
// of the buffer we are about to overwrite turns those into 32 faults. It is advice
// only: pages already present stay as they are, and results never depend on it.
void advise_output_pages(void* data, size_t bytes);

}  // namespace mp

#endif
