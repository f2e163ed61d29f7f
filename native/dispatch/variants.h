// The best-first table of CPU variants and the one in use.
#ifndef MODELPRESS_VARIANTS_H
#define MODELPRESS_VARIANTS_H

#include "../kernels/cast/cast_kernels.h"
#include "../kernels/codebook/codebook_kernels.h"
#include "../kernels/distill/distill_kernels.h"
#include "../kernels/int4/int4_kernels.h"
#include "../kernels/qat/qat_kernels.h"
#include "../kernels/quant/quant_kernels.h"
#include "../kernels/prune/prune_kernels.h"
#include "../kernels/sformat/sformat_kernels.h"
#include "../kernels/sparse/sparse_kernels.h"
#include "../kernels/spmm/spmm_kernels.h"
#include "../kernels/stats/stats_kernels.h"

namespace mp {

struct Variant {
  const char* name;
  bool (*supported)();         // can this CPU + OS run it?
  const QuantKernels* quant;   // one table per kernel family
  const CastKernels* cast;
  const StatsKernels* stats;
  const QatKernels* qat;
  const Int4Kernels* int4;
  const CodebookKernels* codebook;
  const SparseKernels* sparse;
  const PruneKernels* prune;
  const SformatKernels* sformat;
  const SpmmKernels* spmm;
  const DistillKernels* distill;
};

// The variant in use: the best supported one, unless capped by mp_set_cpu_cap.
const Variant& active_variant();

}  // namespace mp

#endif
