#pragma once
// Tokenizer metadata for synthetic models: a vocabulary learned from a text
// (see bpe_trainer.hpp), written the way real GGUF files write theirs, padded
// with filler tokens up to the size a model shape asks for.
#include "gguf/gguf_writer.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hoard::synth {

enum class VocabStyle {
    SentencePiece, // tokenizer.ggml.model = "llama": <unk> <s> </s>, byte tokens, ▁ pieces
    ByteLevelBpe,  // tokenizer.ggml.model = "gpt2": byte alphabet, merges, ChatML specials
};

struct VocabSpec {
    VocabStyle style = VocabStyle::ByteLevelBpe;
    size_t n_vocab = 0; // 0: just what was learned plus specials
    size_t max_merges = 1000;
    std::string pre_tokenizer = "gpt-2"; // tokenizer.ggml.pre for byte-level BPE
    std::string chat_template;           // empty: none
};

// Adds the tokenizer.* metadata to `writer` and returns the vocabulary size.
size_t write_vocab(gguf::GgufWriter& writer, const VocabSpec& spec, std::string_view corpus);

// The ChatML template bundled with Hoard's own models.
const std::string& chatml_template();

} // namespace hoard::synth
