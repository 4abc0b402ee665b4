#pragma once
// Offloading experts across device memory, host memory and storage: the
// settings a model is loaded with (Engine::load_model), the counters it
// keeps while it runs, and the planner that divides a device budget and
// predicts hit rate and speed from a routing trace (fast enough to call as a
// slider moves).
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoard {

class Model;

struct OffloadOptions {
    // Memory budgets. device_bytes is required (what the device may hold in
    // all: weights outside the experts, the KV cache, workspace, cached
    // experts); host_bytes 0 means every expert copy may stay in host memory.
    uint64_t device_bytes = 0;
    uint64_t host_bytes = 0;
    size_t n_ctx = 0; // KV cache planned on the device; 0: the model's default context

    std::string policy = "lru"; // expert cache: lru, lfu, multi
    std::array<double, 4> multi_weights{0.25, 0.25, 0.25,
                                        0.25}; // recency, frequency, high, distance
    bool separate_pools = false;               // low copies in a pool of their own
    double low_pool_share = 0.25;

    // Mixed precision (HOBBIT): the top expert of a token is always loaded at
    // the file's precision; the others at low precision once the experts
    // ranked above them carry T1 of the gate weight (negligible from T2).
    bool low_precision = true;
    double t1 = 0.6, t2 = 0.9;
    std::string low_format; // "" : q2_K/q3_K for 4–6-bit files, q4_K for 8/16-bit ones
    // Per-expert bitwidth by measured sensitivity (EdgeMoE): the most
    // sensitive share of the experts gets `sensitive_format` instead.
    bool sensitivity = false;
    double sensitive_fraction = 0.25;
    std::string sensitive_format;            // "" : one step wider than low_format
    std::vector<int32_t> calibration_tokens; // empty: the built-in calibration text
    std::filesystem::path
        cache_dir; // sidecar folder; "" : $HOARD_CACHE_DIR, $XDG_CACHE_HOME/hoard, ~/.cache/hoard

    bool cpu_fallback = true; // compute an expert on the CPU when that beats loading it
    size_t cpu_threads = 0;   // threads computing CPU experts; 0: all cores but two beside
                              // a GPU, one beside the simulated device
    bool allow_skip = false;  // drop negligible experts instead of computing them
    bool prefetch = true;     // apply later layers' routers to the current state
    uint32_t prefetch_distance = 2;
    uint32_t prefetch_max_distance = 4;
    double prefetch_min_confidence = 0.1;
    bool admit_cpu_experts = true; // load CPU-computed experts behind, on spare link time
    // Decode on a GPU: a CPU expert's rows are shared with the device, whose
    // share goes over the link at once, so a miss streams at the CPU's and
    // the link's rates together (see offload/expert_split.hpp).
    bool split_experts = true;
    // With split experts, decode keeps the link for their parts: prefetch
    // loads and loads behind CPU experts wait for the next prefill (the
    // prefetcher still predicts and is scored). On the synthetic Mixtral at
    // 12 and 24 GiB, background loads beside splits decoded 1.6-2.4x slower
    // (bench/RESULTS.md); true brings them back.
    bool background_loads_with_splits = false;
    // A batch (prefill) loads the coming layers' missing experts behind the
    // current layer's, so the link keeps busy while layers compute. Batch
    // passes evict by the batch rule (copies needed last go first), so these
    // loads push out nothing the pass needs sooner.
    bool prefill_lookahead = true;

    // The (simulated) device and the cost model. Rates of 0 are measured while
    // running (starting from typical values); others are taken as given.
    double link_gbps = 25.0; // the simulated link's bandwidth (PCIe 4.0 x16)
    double device_gbps = 0;  // expert weights the device streams per second
    double cpu_gbps = 0;     // expert weights CPU fallback streams per second
};

// Everything the engine did with experts since the model was loaded.
struct OffloadCounters {
    // By action: hit high, hit low, load high, load low, CPU, skip (one per
    // selected expert of a decode step; in a prefill pass, one per expert the
    // pass needs, counted at its first token).
    std::array<uint64_t, 6> actions{};
    std::vector<uint64_t> layer_hits, layer_requests; // per layer

    uint64_t bytes_to_device_high = 0; // demand loads
    uint64_t bytes_to_device_low = 0;
    uint64_t bytes_prefetched = 0; // prefetch loads (both precisions)
    uint64_t bytes_admitted = 0;   // loads behind CPU-computed experts
    uint64_t bytes_split = 0;      // device parts of split experts
    uint64_t split_experts = 0;    // CPU experts shared with the device (counted as CPU)
    uint64_t bytes_storage_to_host = 0;
    uint64_t bytes_cpu_read = 0; // expert weights CPU fallback read
    uint64_t transfers = 0;      // host → device copies completed
    uint64_t transfers_cancelled = 0;
    uint64_t storage_reads = 0;
    uint64_t evictions = 0;

    uint64_t prefetch_predicted = 0, prefetch_correct = 0, prefetch_actual = 0;
    uint64_t prefetch_loads = 0, prefetch_loads_used = 0, prefetch_loads_evicted_unused = 0;
    uint32_t prefetch_distance = 0; // now

    uint64_t passes = 0, decode_tokens = 0, prefill_tokens = 0;
    double decode_seconds = 0, prefill_seconds = 0; // wall time of the passes
    double stall_seconds = 0;                       // compute waiting for loads or CPU experts
    double device_expert_seconds = 0, cpu_expert_seconds = 0;

    uint64_t device_capacity = 0, device_peak = 0, device_used = 0;
    uint64_t host_capacity = 0, host_peak = 0, host_used = 0; // host capacity 0: unlimited
    double link_gbps = 0, device_gbps = 0, cpu_gbps = 0;      // measured (or given) rates

    uint64_t requests() const;
    uint64_t hits() const { return actions[0] + actions[1]; }
    double hit_rate() const { return requests() ? double(hits()) / double(requests()) : 0.0; }
    double prefetch_precision() const;
    double prefetch_recall() const;
    uint64_t bytes_to_device() const {
        return bytes_to_device_high + bytes_to_device_low + bytes_prefetched + bytes_admitted +
               bytes_split;
    }
    double decode_tokens_per_second() const {
        return decode_seconds > 0 ? double(decode_tokens) / decode_seconds : 0.0;
    }
};

// What the offload engine did to get ready: the plan and the low copies.
struct OffloadSetup {
    std::string device;                 // e.g. "simulated device (2.00 GiB, link 25 GB/s)"
    std::filesystem::path sidecar;      // low-precision copies ("" without)
    bool sidecar_built = false;         // made at this load (else reused)
    std::string sidecar_rebuild_reason; // why an existing one was stale
    std::string low_format;             // e.g. "q2_K" or "q2_K+q4_K"
};

// How a device budget divides (see `hoard plan`).
struct OffloadPlan {
    uint64_t device_bytes = 0;
    uint64_t non_expert_bytes = 0;
    uint64_t kv_cache_bytes = 0;
    size_t n_ctx = 0;
    uint64_t workspace_bytes = 0;
    uint64_t expert_area_bytes = 0;
    uint64_t high_pool_bytes = 0, low_pool_bytes = 0; // shared pools: all in high
    double high_slots = 0;        // experts at high precision the expert area holds
    double low_slots = 0;         // ... at low precision
    double resident_fraction = 0; // expert area / all experts at high precision
    uint64_t expert_bytes_high = 0, expert_bytes_low = 0; // all experts, each precision
    uint32_t n_layer = 0, n_expert = 0, n_expert_used = 0;
    std::string high_format, low_format;
};

struct OffloadPredictionRequest {
    std::optional<uint64_t> device_bytes; // or:
    std::optional<double> resident_fraction;
    size_t n_ctx = 4096;
    std::string policy = "lru"; // lru, lfu, multi, belady
    bool low_precision = true;
    double t1 = 0.6, t2 = 0.9;
    bool cpu_fallback = true;
    bool prefetch = false; // statistical prefetcher of the replay
    // The engine on a GPU splits CPU experts with the device (OffloadOptions).
    bool split_experts = false;
    uint64_t host_bytes = 0;
    double link_gbps = 25, device_gbps = 900, cpu_gbps = 40;
};

struct OffloadPrediction {
    OffloadPlan plan;
    double hit_rate = 0;
    std::vector<double> layer_hit_rates;
    double tokens_per_second = 0;       // predicted decode speed
    double ideal_tokens_per_second = 0; // every expert resident at high precision
    double stall_seconds_per_token = 0;
    uint64_t bytes_to_device_per_token = 0;
    std::array<double, 6> action_shares{}; // as OffloadCounters::actions, as shares
    size_t trace_tokens = 0;
    std::string json; // the replay's full report (as `hoard replay` prints it)
};

// Plans budgets and predicts from a replay of a routing trace: a recorded one
// (set_trace), or a synthetic Zipf-like trace for the model's shape. The
// parsed trace is kept, so predict() costs one replay (milliseconds for a
// thousand tokens). Not thread-safe; use one per thread.
class OffloadPlanner {
  public:
    // From a model file's shape (tensor table only; weights are not read), or
    // a built-in shape ("mixtral-8x7b", "qwen3-30b-a3b"). Throws hoard::Error.
    static OffloadPlanner for_file(const std::filesystem::path& model,
                                   std::string_view low_format = {});
    static OffloadPlanner for_shape(const std::string& name, std::string_view low_format = {});
    static OffloadPlanner for_model(const Model& model, std::string_view low_format = {});
    ~OffloadPlanner();
    OffloadPlanner(OffloadPlanner&&) noexcept;
    OffloadPlanner& operator=(OffloadPlanner&&) noexcept;

    // A recorded trace (JSON Lines, `hoard run --trace-out`); throws
    // hoard::Error when it does not fit the model.
    void set_trace(const std::filesystem::path& trace);
    // A synthetic trace: per layer, expert popularity ~ 1/rank^skew with some
    // repetition from token to token (the default: 512 tokens, skew 1.0).
    void use_synthetic_trace(size_t n_tokens = 512, double skew = 1.0, uint64_t seed = 1);
    size_t trace_tokens() const;
    bool trace_is_synthetic() const;

    // Throws hoard::Error for a budget too small for the weights outside the
    // experts, the KV cache and one layer's experts (the message says how much is needed).
    OffloadPlan plan(uint64_t device_bytes, size_t n_ctx, bool low_precision = true) const;
    OffloadPrediction predict(const OffloadPredictionRequest& request) const;

  private:
    struct Impl;
    explicit OffloadPlanner(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// "12G", "512MiB", "3000000" → bytes (powers of 1024); "11.25 GiB" back.
uint64_t parse_memory_size(std::string_view text);
std::string format_memory_size(uint64_t bytes);
// "hit_high", "hit_low", "load_high", "load_low", "cpu", "skip" for counters' actions.
const char* offload_action_name(size_t action);

} // namespace hoard
