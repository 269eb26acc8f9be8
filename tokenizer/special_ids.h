// The four ids every subword vocabulary of the toolkit reserves, fixed so that models, batches and
// search agree without asking the vocabulary (SentencePiece trained with --pad_id=0 --unk_id=1
// --bos_id=2 --eos_id=3):
//   pad = 0  fills batches up to the longest sentence; masked out everywhere
//   unk = 1  a piece the vocabulary does not know (rare: byte fallback covers unseen characters)
//   bos = 2  begins the decoder input            (target input  = [BOS] + pieces)
//   eos = 3  ends every source and target output (source = pieces + [EOS], target output likewise)
#pragma once

#include <cstdint>

namespace nmt::text {

inline constexpr std::int32_t kPadId = 0;
inline constexpr std::int32_t kUnkId = 1;
inline constexpr std::int32_t kBosId = 2;
inline constexpr std::int32_t kEosId = 3;

}  // namespace nmt::text
