#pragma once
// Edited copies of a model file, built in memory with the GGUF writer, for
// the load errors a damaged or mismatched file must produce.
#include "gguf/gguf_file.hpp"
#include "gguf/gguf_writer.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"

#include <QString>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hoard::test {

// A GGUF image of `source` with its tensors passed through `edit` (which may
// rename, reshape, retype or drop them by returning false) and metadata changes.
inline std::vector<uint8_t> rewrite_model(
    const gguf::GgufFile& source,
    const std::function<bool(std::string&, std::vector<uint64_t>&, quant::BlockFormat&)>& edit,
    const std::map<std::string, gguf::Value>& metadata = {}) {
    gguf::GgufWriter writer;
    for (const auto& [key, value] : source.metadata())
        writer.set(key, metadata.count(key) ? metadata.at(key) : value);
    for (const auto& [key, value] : metadata)
        if (!source.has(key)) writer.set(key, value);
    for (const gguf::TensorInfo& t : source.tensors()) {
        std::string name = t.name;
        std::vector<uint64_t> shape = t.shape;
        quant::BlockFormat format = t.format;
        if (!edit(name, shape, format)) continue;
        const uint8_t* data = t.data;
        const size_t n = t.n_bytes;
        writer.add_tensor(name, shape, format, [data, n](std::span<uint8_t> dst) {
            std::memset(dst.data(), 0, dst.size());
            std::memcpy(dst.data(), data, std::min(n, dst.size()));
        });
    }
    return writer.write_to_memory();
}

inline QString load_error(const std::vector<uint8_t>& image) {
    try {
        auto file =
            std::shared_ptr<const gguf::GgufFile>(gguf::GgufFile::parse(image, "edited.gguf"));
        model::Model::load(file);
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace hoard::test
