#include "offload/offload_setup.hpp"

#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"
#include "offload/byte_size.hpp"
#include "offload/content_hash.hpp"
#include "offload/expert_sensitivity.hpp"
#include "offload/simulated_device.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace hoard::offload {
namespace {

using quant::BlockFormat;

// Starting rates until the first measurements (the simulated device computes
// on the CPU, so both are far below a GPU's).
constexpr double kStartDeviceRate = 20e9;
constexpr double kStartCpuRate = 10e9;
constexpr size_t kSensitivityRows = 64;
constexpr size_t kCalibrationTokens = 64;

void check_options(const OffloadOptions& o) {
    if (o.device_bytes == 0) throw Error("offloading needs a device memory budget (--vram)");
    if (!(o.link_gbps > 0) || !std::isfinite(o.link_gbps))
        throw Error("the link bandwidth must be a positive number of GB/s");
    if (!(o.device_gbps >= 0) || !(o.cpu_gbps >= 0))
        throw Error("device and CPU rates must not be negative (0: measure them)");
    if (o.prefetch && o.prefetch_distance == 0)
        throw Error("the prefetch distance must be at least 1 layer");
    if (!(o.sensitive_fraction >= 0 && o.sensitive_fraction <= 1))
        throw Error("the sensitive share of experts must be between 0 and 1");
    if (!(o.prefetch_min_confidence >= 0 && o.prefetch_min_confidence <= 1))
        throw Error("the prefetch confidence must be between 0 and 1");
    PrecisionRule{o.low_precision, o.t1, o.t2}.validate();
}

double expert_bits_per_weight(const ExpertCatalog& c) {
    double bytes = 0, weights = 0;
    for (uint32_t l = 0; l < c.n_layer(); ++l)
        for (uint32_t e = 0; e < c.n_expert(); ++e)
            for (const MatrixLayout& m : c.layout(l, e, Precision::High).matrices) {
                bytes += double(m.bytes());
                weights += double(m.n_rows) * m.row_length;
            }
    return weights > 0 ? 8.0 * bytes / weights : 16.0;
}

// Deterministic stand-in calibration tokens when none are given.
std::vector<int32_t> fallback_calibration(size_t n_vocab) {
    std::vector<int32_t> tokens(kCalibrationTokens);
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (int32_t& t : tokens) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        t = int32_t((state >> 33) % n_vocab);
    }
    return tokens;
}

std::string recipe_key(BlockFormat low, const OffloadOptions& o, BlockFormat sensitive,
                       std::span<const int32_t> calibration) {
    std::ostringstream key;
    key << "low=" << quant::format_name(low);
    if (o.sensitivity)
        key << ";sensitive=" << o.sensitive_fraction << ":" << quant::format_name(sensitive)
            << ";rows=" << kSensitivityRows
            << ";calibration=" << content_hash(calibration.data(), calibration.size_bytes());
    return key.str();
}

std::string format_mix(const ExpertCatalog& c) {
    std::vector<std::string> names;
    for (uint32_t l = 0; l < c.n_layer(); ++l)
        for (uint32_t e = 0; e < c.n_expert(); ++e) {
            const std::string n(
                quant::format_name(c.layout(l, e, Precision::Low).matrices[0].format));
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        }
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : "+") + n;
    return out;
}

} // namespace

BlockFormat block_format_by_name(const std::string& name) {
    for (uint32_t id = 0; id < 64; ++id)
        if (const auto info = quant::find_format(id);
            info && info->name == name && info->computable)
            return info->format;
    throw Error("unknown block format '" + name + "' (for example q2_K, q3_K, q4_K, q4_0, q8_0)");
}

BlockFormat choose_low_format(const ExpertCatalog& catalog, const std::string& requested) {
    if (!requested.empty()) {
        const BlockFormat f = block_format_by_name(requested);
        if (!format_fits(f, catalog))
            throw Error(
                "the low-precision format " + requested +
                " does not fit the experts' rows (its blocks do not divide them); try q4_0");
        return f;
    }
    const BlockFormat preferred = default_low_format(expert_bits_per_weight(catalog));
    for (BlockFormat f : {preferred, BlockFormat::Q4_0, BlockFormat::Q8_0})
        if (format_fits(f, catalog)) return f;
    throw Error("no low-precision format fits the experts' rows; turn low precision off");
}

BlockFormat wider_format(BlockFormat low) {
    switch (low) {
    case BlockFormat::Q2_K:
        return BlockFormat::Q3_K;
    case BlockFormat::Q3_K:
        return BlockFormat::Q4_K;
    case BlockFormat::Q4_K:
        return BlockFormat::Q5_K;
    case BlockFormat::Q5_K:
        return BlockFormat::Q6_K;
    case BlockFormat::Q4_0:
    case BlockFormat::Q4_1:
        return BlockFormat::Q5_0;
    default:
        return BlockFormat::Q8_0;
    }
}

OffloadShape live_shape(const model::Model& model, const ExpertCatalog& catalog) {
    OffloadShape s = shape_from_gguf(model.file());
    for (uint32_t l = 0; l < catalog.n_layer(); ++l) {
        uint64_t high = 0, low = 0;
        for (uint32_t e = 0; e < catalog.n_expert(); ++e) {
            high = std::max(high, catalog.layout(l, e, Precision::High).blob_bytes);
            low = std::max(low, catalog.layout(l, e, Precision::Low).blob_bytes);
        }
        s.expert_bytes_high[l] = high;
        s.expert_bytes_low[l] = catalog.has_low() ? low : high;
    }
    if (catalog.has_low()) s.low_format = format_mix(catalog);
    return s;
}

void check_offload_options(const OffloadOptions& options) {
    check_options(options);
}

PreparedStore prepare_store(model::Model& model, const std::filesystem::path& model_path,
                            const OffloadOptions& options, backend::cpu::ThreadPool& pool,
                            const BuildProgress& progress, const StoreOptions& store_options) {
    auto owned_catalog = std::make_unique<ExpertCatalog>(model);
    ExpertCatalog& catalog = *owned_catalog;
    PreparedStore out;

    std::filesystem::path sidecar;
    if (options.low_precision) {
        const BlockFormat low = choose_low_format(catalog, options.low_format);
        BlockFormat sensitive = low;
        if (options.sensitivity) {
            sensitive = options.sensitive_format.empty()
                            ? wider_format(low)
                            : block_format_by_name(options.sensitive_format);
            if (!format_fits(sensitive, catalog))
                throw Error("the sensitive experts' format does not fit the experts' rows");
        }
        const std::vector<int32_t> calibration = options.calibration_tokens.empty()
                                                     ? fallback_calibration(model.config().n_vocab)
                                                     : options.calibration_tokens;
        SidecarRecipe recipe;
        recipe.key = recipe_key(low, options, sensitive, calibration);
        if (store_options.quantizer) {
            recipe.key += ";quantizer=" + store_options.quantizer_name;
            recipe.quantize = store_options.quantizer;
        }
        recipe.choose_formats = [&](const BuildProgress& report) {
            const size_t n = size_t(catalog.n_layer()) * catalog.n_expert();
            if (!options.sensitivity) return std::vector<BlockFormat>(n, low);
            const std::vector<double> errors = measure_expert_sensitivity(
                model, catalog, calibration, low, kSensitivityRows, pool, [&](double f) {
                    if (report) report(f, "measuring expert sensitivity");
                });
            return formats_by_sensitivity(
                errors, {low, sensitive, options.sensitive_fraction, kSensitivityRows});
        };
        const std::filesystem::path dir =
            options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
        ModelIdentity identity(model_path);
        const SidecarStatus status =
            prepare_sidecar(dir, identity, model.file().bytes(), recipe, catalog, progress);
        sidecar = status.path;
        out.setup.sidecar = status.path;
        out.setup.sidecar_built = status.built;
        out.setup.sidecar_rebuild_reason = status.rebuild_reason;
        out.setup.low_format = format_mix(catalog);
    }

    if (store_options.before_preload) store_options.before_preload(catalog);
    const uint64_t min_host =
        2ull * model.config().n_expert_used * catalog.max_blob_bytes(Precision::High);
    if (options.host_bytes != 0 && options.host_bytes < min_host)
        throw Error("a host memory budget of " + format_byte_size(options.host_bytes) +
                    " cannot hold the experts a layer works with; give at least " +
                    format_byte_size(min_host) + " (or 0 for no limit)");
    out.store = std::make_shared<ExpertStore>(std::move(owned_catalog), model_path, sidecar,
                                              options.host_bytes);
    if (store_options.host_allocator.allocate)
        out.store->host().set_allocator(store_options.host_allocator);
    out.store->host().preload(
        options.low_precision,
        [&](double f) {
            if (progress) progress(f, "reading experts into host memory");
        },
        store_options.preload_threads);
    return out;
}

std::shared_ptr<OffloadExecutor>
start_executor(const model::Model& model, std::shared_ptr<ExpertStore> store,
               std::unique_ptr<DeviceBackend> device, DeviceBuffer reservation,
               const BudgetPlan& plan, const OffloadOptions& options, telemetry::EventBus* bus,
               std::chrono::steady_clock::time_point epoch, const ExecutorRates& rates) {
    OffloadParts parts;
    parts.store = std::move(store);
    parts.device = std::move(device);
    parts.resident_reservation = reservation;
    // 0 threads: chosen by the device's setup (GPU), else one: the simulated
    // device computes on the same cores.
    parts.cpu = std::make_unique<CpuExpertWorker>(std::max<size_t>(1, options.cpu_threads), epoch,
                                                  parts.device->resident_layers()
                                                      ? CpuExpertWorker::kBesideGpuSpin
                                                      : CpuExpertWorker::kDefaultSpin);

    ExecutorConfig config;
    config.policy = parse_policy_kind(options.policy);
    config.multi_weights = {options.multi_weights[0], options.multi_weights[1],
                            options.multi_weights[2], options.multi_weights[3]};
    config.plan = plan;
    config.precision = {options.low_precision, options.t1, options.t2};
    config.decision = {options.cpu_fallback, options.allow_skip};
    config.prefetch = options.prefetch;
    config.prefetch_options.distance = options.prefetch_distance;
    config.prefetch_options.max_distance =
        std::max(options.prefetch_max_distance, options.prefetch_distance);
    config.prefetch_options.min_confidence = options.prefetch_min_confidence;
    config.admit_cpu_experts = options.admit_cpu_experts;
    config.split_experts = options.split_experts;
    config.background_loads_with_splits = options.background_loads_with_splits;
    config.prefill_lookahead = options.prefill_lookahead;
    config.cost.host_to_device.bytes_per_second = options.link_gbps * 1e9;
    config.cost.device_bytes_per_second =
        options.device_gbps > 0 ? options.device_gbps * 1e9 : rates.device_bytes_per_second;
    config.cost.cpu_bytes_per_second =
        options.cpu_gbps > 0 ? options.cpu_gbps * 1e9 : rates.cpu_bytes_per_second;
    config.measure_device = options.device_gbps == 0 && rates.measure_device;
    config.measure_cpu = options.cpu_gbps == 0;
    config.cost.validate();
    return std::make_shared<OffloadExecutor>(model, std::move(parts), config, bus, epoch);
}

PreparedOffload prepare_offload(model::Model& model, const std::filesystem::path& model_path,
                                const OffloadOptions& options, size_t default_n_ctx,
                                telemetry::EventBus* bus, backend::cpu::ThreadPool& pool,
                                const BuildProgress& progress) {
    check_options(options);
    const auto epoch = std::chrono::steady_clock::now();
    const PolicyKind policy = parse_policy_kind(options.policy);
    if (policy == PolicyKind::Belady)
        throw Error("the belady policy needs the future and only runs in replay; use lru, lfu or "
                    "multi");

    BudgetPlan plan;
    StoreOptions store_options;
    store_options.before_preload = [&](const ExpertCatalog& catalog) {
        const OffloadShape shape = live_shape(model, catalog);
        BudgetRequest request;
        request.device_bytes = options.device_bytes;
        request.n_ctx = options.n_ctx ? options.n_ctx : default_n_ctx;
        request.low_precision = options.low_precision;
        request.layout = options.separate_pools ? PoolLayout::Separate : PoolLayout::Shared;
        request.low_pool_share = options.low_pool_share;
        plan = plan_budget(shape, request);
    };
    PreparedStore prepared =
        prepare_store(model, model_path, options, pool, progress, store_options);
    PreparedOffload out;
    out.setup = prepared.setup;

    SimulatedDeviceConfig device;
    device.memory_bytes = options.device_bytes;
    device.link_bytes_per_second = options.link_gbps * 1e9;
    auto simulated = std::make_unique<SimulatedDevice>(device, epoch);
    const DeviceBuffer reservation = simulated->allocate(plan.fixed_bytes(), false);
    out.setup.device = simulated->description();

    ExecutorRates rates;
    rates.device_bytes_per_second = kStartDeviceRate;
    rates.cpu_bytes_per_second = kStartCpuRate;
    out.executor = start_executor(model, std::move(prepared.store), std::move(simulated),
                                  reservation, plan, options, bus, epoch, rates);
    return out;
}

} // namespace hoard::offload
