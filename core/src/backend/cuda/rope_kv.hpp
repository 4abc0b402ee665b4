#pragma once
// Rotary position embedding of queries and keys, the per-head Q/K RMS norms
// of the families that have them, and the cache writes of keys and values.
// Positions come from device memory, so a captured decode step stays valid as
// the sequence grows.
#include <cstddef>
#include <cstdint>
#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

enum class RopeKind { Interleaved, NeoX }; // as backend::cpu::RopeStyle

// angles[t * n_rot / 2 + i] = (cos, sin) of (first_position[0] + t) · base^(-2i / n_rot),
// computed in double precision like the CPU engine.
void rope_angles(const int32_t* first_position, size_t n_tokens, size_t n_rot, float base,
                 float2* angles, cudaStream_t stream);

struct QkvRopeJob {
    float* q = nullptr;       // n_tokens rows of n_head · head_dim, rotated in place
    const float* k = nullptr; // n_tokens rows of n_head_kv · head_dim
    const float* v = nullptr; // n_tokens rows of n_head_kv · head_dim_v
    size_t n_tokens = 0;
    size_t n_head = 0, n_head_kv = 0, head_dim = 0, head_dim_v = 0;
    const float* q_norm = nullptr; // per-head RMS norm weights, or null
    const float* k_norm = nullptr;
    float eps = 1e-6f;
    const float2* angles = nullptr; // from rope_angles
    size_t n_rot = 0;
    RopeKind kind = RopeKind::Interleaved;
    // The layer's cache: position p's keys at k_cache + p · n_head_kv · head_dim.
    float* k_cache = nullptr;
    float* v_cache = nullptr;
    const int32_t* first_position = nullptr; // device memory
};

void qkv_rope_store(const QkvRopeJob& job, cudaStream_t stream);

} // namespace hoard::backend::cuda
