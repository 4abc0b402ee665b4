#include "model/architecture.hpp"

#include <array>

namespace hoard::model {
namespace {

using ArchitectureFn = const Architecture& (*)();

constexpr std::array kArchitectures = {
    &llama_architecture,
    &qwen3moe_architecture,
};

} // namespace

const Architecture* find_architecture(std::string_view name) {
    for (ArchitectureFn fn : kArchitectures)
        if (fn().name == name) return &fn();
    return nullptr;
}

std::vector<std::string_view> supported_architectures() {
    std::vector<std::string_view> names;
    for (ArchitectureFn fn : kArchitectures) names.push_back(fn().name);
    return names;
}

} // namespace hoard::model
