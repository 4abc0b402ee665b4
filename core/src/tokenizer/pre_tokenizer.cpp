#include "tokenizer/pre_tokenizer.hpp"

#include "hoard/error.hpp"
#include "tokenizer/split_rules.hpp"

namespace hoard::tokenizer {
namespace {

using Kind = SplitStep::Kind;

SplitStep words(Kind kind, size_t digits = 0) {
    SplitStep s;
    s.kind = kind;
    s.max_run = digits;
    return s;
}

SplitStep run(CharPredicate predicate, bool space_prefix = false, size_t min_run = 1,
              size_t max_run = static_cast<size_t>(-1)) {
    SplitStep s;
    s.kind = Kind::Run;
    s.predicate = predicate;
    s.space_prefix = space_prefix;
    s.min_run = min_run;
    s.max_run = max_run;
    return s;
}

SplitStep trailing_space() {
    SplitStep s;
    s.kind = Kind::TrailingSpace;
    return s;
}

struct Definition {
    std::vector<const char*> names;
    std::vector<SplitStep> steps;
    bool whole_word_first = false;
};

const std::vector<Definition>& definitions() {
    namespace cc = char_class;
    static const std::vector<Definition> all = {
        // GPT-2's own pattern; also what a byte-level vocabulary without a
        // pre-tokenizer name was trained with.
        {{"gpt-2", "gpt2", "default", "", "phi-2"}, {words(Kind::Gpt2Words)}},
        // Falcon: runs of punctuation (ASCII symbols count), the GPT-2 pattern,
        // then groups of three ASCII digits.
        {{"falcon"},
         {run(cc::falcon_punctuation), words(Kind::Gpt2Words), run(cc::ascii_digit, false, 3, 3)}},
        // DeepSeek LLM (and DeepSeek V2).
        {{"deepseek-llm"},
         {run(cc::newline, false, 1, 1), run(cc::deepseek_letter, true),
          run(cc::deepseek_punctuation, true), trailing_space(), run(cc::cjk_hangul),
          run(cc::number)}},
        {{"deepseek-coder"},
         {run(cc::newline, false, 1, 1), run(cc::letter, true), run(cc::punctuation, true),
          run(cc::cjk_hangul), run(cc::number, false, 1, 1)}},
        {{"deepseek-v3"},
         {run(cc::number, false, 1, 3), run(cc::cjk_kana), words(Kind::DeepseekV3Words)}},
        {{"llama-bpe", "llama3", "llama-v3"}, {words(Kind::Llama3Words, 3)}, true},
        {{"dbrx", "smaug-bpe"}, {words(Kind::Llama3Words, 3)}},
        {{"qwen2", "deepseek-r1-qwen"}, {words(Kind::Llama3Words, 1)}},
    };
    return all;
}

} // namespace

PreTokenizer PreTokenizer::for_name(const std::string& pre, const std::string& label) {
    for (const Definition& d : definitions()) {
        for (const char* name : d.names) {
            if (pre != name) continue;
            PreTokenizer p;
            p.name_ = pre.empty() ? "gpt-2" : pre;
            p.steps_ = d.steps;
            p.whole_word_first_ = d.whole_word_first;
            return p;
        }
    }
    std::string known;
    for (const std::string& n : supported_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error(label + ": pre-tokenizer '" + pre +
                "' (tokenizer.ggml.pre) is not supported; known: " + known);
}

std::vector<std::string> PreTokenizer::supported_names() {
    std::vector<std::string> names;
    for (const Definition& d : definitions()) {
        for (const char* name : d.names) {
            if (*name) names.emplace_back(name);
        }
    }
    return names;
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces) const {
    if (text.empty()) return;
    const CodepointText cps(text);
    std::vector<Span> current{{0, cps.size()}};
    std::vector<Span> next;
    for (const SplitStep& step : steps_) {
        next.clear();
        for (const Span& s : current) apply_step(step, cps, s, next);
        current.swap(next);
    }
    for (const Span& s : current) {
        const size_t from = cps.offsets[s.first];
        pieces.push_back(text.substr(from, cps.offsets[s.second] - from));
    }
}

} // namespace hoard::tokenizer
