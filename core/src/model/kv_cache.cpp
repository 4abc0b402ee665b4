#include "model/kv_cache.hpp"

#include "hoard/error.hpp"
#include "model/eval_scratch.hpp"
#include "model/model_config.hpp"

#include <limits>
#include <new>

namespace hoard::model {
namespace {

size_t floats_for(const ModelConfig& c, size_t n_ctx) {
    const size_t per_position = c.n_layer * (c.k_width() + c.v_width());
    if (per_position != 0 &&
        n_ctx > std::numeric_limits<size_t>::max() / sizeof(float) / per_position)
        throw Error("a KV cache of " + std::to_string(n_ctx) + " positions is too large");
    return per_position * n_ctx;
}

} // namespace

KvCache::KvCache(const ModelConfig& config, size_t n_ctx)
    : n_layer_(config.n_layer), k_width_(config.k_width()), v_width_(config.v_width()),
      capacity_(n_ctx), scratch_(std::make_unique<EvalScratch>()) {
    if (n_ctx == 0) throw Error("the context must hold at least one token");
    const size_t floats = floats_for(config, n_ctx);
    try {
        data_.reset(new float[floats]);
        n_floats_ = floats;
    } catch (const std::bad_alloc&) {
        throw Error("not enough memory for a KV cache of " + std::to_string(n_ctx) + " tokens (" +
                    std::to_string(floats * sizeof(float) >> 20) + " MiB)");
    }
}

KvCache::~KvCache() = default;
KvCache::KvCache(KvCache&&) noexcept = default;
KvCache& KvCache::operator=(KvCache&&) noexcept = default;

size_t KvCache::bytes_for(const ModelConfig& config, size_t n_ctx) {
    return floats_for(config, n_ctx) * sizeof(float);
}

void KvCache::truncate(size_t n) {
    if (n > size_)
        throw Error("cannot truncate a KV cache of " + std::to_string(size_) + " tokens to " +
                    std::to_string(n));
    size_ = n;
}

void KvCache::set_size(size_t n) {
    if (n > capacity_)
        throw Error("the KV cache holds " + std::to_string(capacity_) + " tokens, not " +
                    std::to_string(n));
    size_ = n;
}

float* KvCache::keys(size_t layer, size_t position) {
    return data_.get() + layer * capacity_ * (k_width_ + v_width_) + position * k_width_;
}

float* KvCache::values(size_t layer, size_t position) {
    return data_.get() + layer * capacity_ * (k_width_ + v_width_) + capacity_ * k_width_ +
           position * v_width_;
}

backend::cpu::KvView KvCache::view(size_t layer) const {
    const float* base = data_.get() + layer * capacity_ * (k_width_ + v_width_);
    return backend::cpu::KvView{base, base + capacity_ * k_width_, k_width_, v_width_};
}

} // namespace hoard::model
