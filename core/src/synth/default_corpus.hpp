#pragma once
// A few pages of plain English that synthetic vocabularies are learned from,
// compiled in so that model synthesis needs no files.
#include <string_view>

namespace hoard::synth {
std::string_view default_corpus();
}
