#pragma once
// The keys and values of every position evaluated so far, per layer, in
// float32; plus the scratch buffers the forward pass reuses, so one cache is
// one independent sequence (a session) and decoding allocates nothing.
#include "backend/cpu/attention.hpp"

#include <cstddef>
#include <memory>

namespace hoard::model {

struct ModelConfig;
struct EvalScratch;

class KvCache {
  public:
    // Room for n_ctx positions; throws hoard::Error when n_ctx is 0 or the
    // memory cannot be had.
    KvCache(const ModelConfig& config, size_t n_ctx);
    ~KvCache();
    KvCache(KvCache&&) noexcept;
    KvCache& operator=(KvCache&&) noexcept;

    size_t size() const { return size_; } // positions filled
    size_t capacity() const { return capacity_; }
    void clear() { size_ = 0; }
    // Forgets positions from n on (n <= size()), e.g. to rewind to a shared prefix.
    void truncate(size_t n);
    size_t bytes() const { return n_floats_ * sizeof(float); }

    // Bytes a cache of n_ctx positions takes, for planning before allocating.
    static size_t bytes_for(const ModelConfig& config, size_t n_ctx);

    // For the forward pass.
    size_t n_layer() const { return n_layer_; }
    size_t k_width() const { return k_width_; }
    size_t v_width() const { return v_width_; }
    float* keys(size_t layer, size_t position);
    float* values(size_t layer, size_t position);
    backend::cpu::KvView view(size_t layer) const;
    void set_size(size_t n); // n <= capacity(); the forward pass advances it
    EvalScratch& scratch() { return *scratch_; }

  private:
    size_t n_layer_ = 0;
    size_t k_width_ = 0;
    size_t v_width_ = 0;
    size_t capacity_ = 0;
    size_t size_ = 0;
    size_t n_floats_ = 0;
    // Per layer: capacity × k_width keys, then capacity × v_width values. Left
    // uninitialized, so pages are only committed as positions are filled.
    std::unique_ptr<float[]> data_;
    std::unique_ptr<EvalScratch> scratch_;
};

} // namespace hoard::model
