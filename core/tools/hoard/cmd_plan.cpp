// hoard plan -m MODEL --vram 12G [--ctx N] [--trace F]: how the device budget
// divides (weights every token needs, KV cache, workspace, expert cache
// slots at each precision) and the hit rate and decode speed predicted by
// replaying a routing trace (a recorded one, or a synthetic Zipf-like one).
#include "cli_common.hpp"
#include "hoard/error.hpp"
#include "hoard/offload.hpp"

#include <cstdio>

namespace hoard::cli {
namespace {

void print_prediction(const std::string& policy, const OffloadPrediction& p) {
    std::printf("  %-6s hit rate %.3f   decode %8.2f tokens/s (ideal %.2f)   stall %.2f ms/token"
                "   link %s/token   cpu %.0f%%\n",
                policy.c_str(), p.hit_rate, p.tokens_per_second, p.ideal_tokens_per_second,
                p.stall_seconds_per_token * 1e3,
                format_memory_size(p.bytes_to_device_per_token).c_str(), 100 * p.action_shares[4]);
}

} // namespace

void register_plan(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "plan", "Divide a device memory budget and predict hit rate and speed for a model");
    static std::string model_path, shape, vram, trace, policy = "all", precision = "on";
    static std::string cpu_fallback = "on", low_format;
    static size_t n_ctx = 4096, synthetic_tokens = 512;
    static double link_gbps = 25, device_gbps = 900, cpu_gbps = 40, skew = 1.0;
    const auto on_off = CLI::IsMember({"on", "off"});
    auto* m = cmd->add_option("-m,--model", model_path, "GGUF model file");
    auto* s =
        cmd->add_option("--shape", shape, "Built-in shape instead: mixtral-8x7b, qwen3-30b-a3b");
    m->excludes(s);
    cmd->add_option("--vram", vram, "Device memory budget, e.g. 12G")->required();
    cmd->add_option("-c,--ctx", n_ctx, "Context the KV cache is planned for")
        ->capture_default_str();
    cmd->add_option("--trace", trace, "Routing trace to predict from (default: synthetic)");
    cmd->add_option("--synthetic-tokens", synthetic_tokens, "Tokens of the synthetic trace")
        ->capture_default_str();
    cmd->add_option("--skew", skew, "Popularity skew of the synthetic trace")
        ->capture_default_str();
    cmd->add_option("--policy", policy, "lru, lfu, multi, belady or all")
        ->check(CLI::IsMember({"lru", "lfu", "multi", "belady", "all"}))
        ->capture_default_str();
    cmd->add_option("--precision", precision, "Low-precision copies")
        ->check(on_off)
        ->capture_default_str();
    cmd->add_option("--cpu-fallback", cpu_fallback, "CPU fallback")
        ->check(on_off)
        ->capture_default_str();
    cmd->add_option("--low-format", low_format, "Low-precision format (default by the file's)");
    cmd->add_option("--link-gbps", link_gbps, "Host-to-device bandwidth, GB/s")
        ->capture_default_str();
    cmd->add_option("--device-gbps", device_gbps, "Device expert rate, GB/s")
        ->capture_default_str();
    cmd->add_option("--cpu-gbps", cpu_gbps, "CPU expert rate, GB/s")->capture_default_str();
    cmd->callback([] {
        if (model_path.empty() == shape.empty()) throw Error("give a model (-m) or a --shape");
        OffloadPlanner planner = model_path.empty()
                                     ? OffloadPlanner::for_shape(shape, low_format)
                                     : OffloadPlanner::for_file(model_path, low_format);
        const uint64_t budget = parse_memory_size(vram);
        const bool low = precision == "on";
        const OffloadPlan plan = planner.plan(budget, n_ctx, low);
        if (trace.empty())
            planner.use_synthetic_trace(synthetic_tokens, skew);
        else
            planner.set_trace(trace);

        const double n_all = double(plan.n_layer) * plan.n_expert;
        std::printf("model:              %s (%u layers x %u experts, top-%u; experts %s, low %s)\n",
                    model_path.empty() ? shape.c_str() : model_path.c_str(), plan.n_layer,
                    plan.n_expert, plan.n_expert_used, plan.high_format.c_str(),
                    low ? plan.low_format.c_str() : "off");
        std::printf("device budget:      %s\n", format_memory_size(plan.device_bytes).c_str());
        std::printf("  resident weights  %s (everything outside the routed experts)\n",
                    format_memory_size(plan.non_expert_bytes).c_str());
        std::printf("  KV cache          %s (%zu tokens)\n",
                    format_memory_size(plan.kv_cache_bytes).c_str(), plan.n_ctx);
        std::printf("  workspace         %s\n", format_memory_size(plan.workspace_bytes).c_str());
        std::printf("  expert cache      %s = %.1f%% of all experts at high precision\n",
                    format_memory_size(plan.expert_area_bytes).c_str(),
                    100 * plan.resident_fraction);
        std::printf("    high slots      %.1f of %.0f experts (%s each on average)\n",
                    plan.high_slots, n_all,
                    format_memory_size(uint64_t(double(plan.expert_bytes_high) / n_all)).c_str());
        if (low)
            std::printf(
                "    low slots       %.1f if all low (%s each on average)\n", plan.low_slots,
                format_memory_size(uint64_t(double(plan.expert_bytes_low) / n_all)).c_str());
        std::printf("prediction from %s trace of %zu tokens (link %.0f GB/s, device %.0f GB/s, "
                    "CPU %.0f GB/s):\n",
                    planner.trace_is_synthetic() ? "a synthetic Zipf-like" : "the recorded",
                    planner.trace_tokens(), link_gbps, device_gbps, cpu_gbps);
        for (const char* p : {"lru", "lfu", "multi", "belady"}) {
            if (policy != "all" && policy != p) continue;
            OffloadPredictionRequest q;
            q.device_bytes = budget;
            q.n_ctx = n_ctx;
            q.policy = p;
            q.low_precision = low;
            q.cpu_fallback = cpu_fallback == "on";
            q.link_gbps = link_gbps;
            q.device_gbps = device_gbps;
            q.cpu_gbps = cpu_gbps;
            print_prediction(p, planner.predict(q));
        }
    });
}

} // namespace hoard::cli
