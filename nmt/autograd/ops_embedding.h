// Row gathers by int32 id: embedding lookup and select_rows (e.g. reordering beam states).
//
//   forward   y[k] = x[ids[k]]                    (a copy of one row per id)
//   backward  dx[r] += sum over k with ids[k] = r of dy[k]   (a scatter-add)
// The scatter-add is deterministic and independent of the thread count: the ids are grouped
// by row with a stable counting sort, and each row's contributions are added by one thread in
// the order of k. Ids outside [0, rows) throw std::out_of_range naming the id and the extent.
#pragma once

#include <cstdint>

#include "nmt/autograd/var.h"

namespace nmt {

// table [V, D], ids int32 of any shape [...] (rank <= 5) -> [..., D]: y[..., :] = table[id, :].
// dtable[v] = sum of dy over the positions whose id is v. With padding_id >= 0 (which must be
// < V), positions holding that id still look up its row but send it no gradient
// (as torch.nn.Embedding's padding_idx).
Var embedding(const Var& table, const Tensor& ids, int32_t padding_id = -1);

// x [N, ...], ids int32 [M] -> [M, ...]: y[m] = x[ids[m]] (ids may repeat or skip rows).
// dx[n] = sum of dy[m] over the m with ids[m] = n (rows not selected get 0).
Var select_rows(const Var& x, const Tensor& ids);

}  // namespace nmt
