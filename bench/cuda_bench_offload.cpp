// hoard_cuda_bench offload: the offload engine on the GPU over the real link,
// at several VRAM budgets, policies, with and without low precision and CPU
// fallback; decode and prefill speed against the physical bound of the split
// each run chose (resident bytes / device bandwidth, loaded bytes / link
// bandwidth, CPU-expert bytes / host bandwidth, loaded and CPU bytes / what
// host memory gives the link and the cores at once, whichever is slowest:
// they run at once).
//
//   hoard_cuda_bench offload FILE [--budgets 8,12,24,0] [--policies lru,lfu,multi]
//       [--low off,on] [--cpu off,on] [--split off,on] [--prefetch on|off] [--lookahead on|off]
//       [--admit on|off] [--background on|off] (prefetch and admit loads beside splits)
//       [--prompt N] [--decode N]
//       [--cpu-threads N] [--json FILE]
//
// A budget of 0 is everything the GPU has free. One expert store (host copies
// in page-locked memory, low copies made on the GPU) serves every run.
#include "cuda_bench.hpp"

#include "backend/cpu/thread_pool.hpp"
#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/device_memory.hpp"
#include "backend/cuda/device_queues.hpp"
#include "backend/cuda/gpu_offload_setup.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"
#include "offload/expert_compute.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace hoard::bench {

using namespace backend::cuda;
using Clock = std::chrono::steady_clock;
using telemetry::Precision;

namespace {

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// Host → device from page-locked memory, the way expert loads go.
double measure_link(size_t bytes) {
    PinnedBuffer host(bytes);
    std::memset(host.data(), 1, bytes);
    DeviceMemory memory(bytes + (size_t(64) << 20));
    DeviceBuffer dev = memory.allocate(bytes, "link test");
    Stream s;
    const double ms = time_ms(
        [&](cudaStream_t st) {
            check_cuda(cudaMemcpyAsync(dev.data(), host.data(), bytes, cudaMemcpyHostToDevice, st),
                       "link test");
        },
        5, s.get());
    return double(bytes) / (ms * 1e-3);
}

// Host memory read rate with every core (the CPU experts' ceiling).
double measure_host_read(size_t bytes, size_t threads) {
    std::vector<uint64_t> data(bytes / 8);
    for (size_t i = 0; i < data.size(); ++i) data[i] = i;
    std::vector<double> rates;
    for (int r = 0; r < 3; ++r) {
        std::atomic<uint64_t> sink{0};
        const auto t = Clock::now();
        std::vector<std::thread> pool;
        for (size_t w = 0; w < threads; ++w)
            pool.emplace_back([&, w] {
                const size_t n = data.size() / threads, begin = w * n;
                uint64_t a = 0, b = 0, c = 0, d = 0;
                for (size_t i = begin; i + 4 <= begin + n; i += 4) {
                    a += data[i];
                    b ^= data[i + 1];
                    c += data[i + 2];
                    d ^= data[i + 3];
                }
                sink += a + b + c + d;
            });
        for (std::thread& th : pool) th.join();
        rates.push_back(double(bytes) / seconds_since(t));
    }
    return median(rates);
}

// Host memory read rate while the link copies from host memory at the same
// time (both read DRAM): returns the two rates measured together.
std::pair<double, double> measure_shared(size_t bytes, size_t threads) {
    const size_t link_bytes = size_t(1) << 30;
    PinnedBuffer host(link_bytes);
    std::memset(host.data(), 1, link_bytes);
    DeviceMemory memory(link_bytes + (size_t(64) << 20));
    DeviceBuffer dev = memory.allocate(link_bytes, "link test");
    Stream s;
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> copied{0};
    double link_seconds = 0;
    std::thread link([&] {
        const auto t = Clock::now();
        while (!stop.load()) {
            check_cuda(cudaMemcpyAsync(dev.data(), host.data(), link_bytes, cudaMemcpyHostToDevice,
                                       s.get()),
                       "link test");
            s.synchronize();
            copied += link_bytes;
        }
        link_seconds = seconds_since(t);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const double read = measure_host_read(bytes, threads);
    stop = true;
    link.join();
    return {read, double(copied.load()) / link_seconds};
}

// CPU expert rate: one decode token through experts from host memory.
double measure_cpu_experts(const model::Model& m, size_t threads) {
    const model::ModelConfig& c = m.config();
    backend::cpu::ThreadPool pool(threads);
    offload::ExpertScratch scratch;
    std::vector<float> x(c.n_embd, 0.01f), y(c.n_embd);
    std::vector<double> rates;
    for (size_t i = 0; i < 6; ++i) {
        const model::ExpertMatrices& e = m.layer(i % c.n_layer).experts[i % c.n_expert];
        const double bytes =
            double(e.gate.n_rows * e.gate.row_stride + e.up.n_rows * e.up.row_stride +
                   e.down.n_rows * e.down.row_stride);
        const auto t = Clock::now();
        offload::compute_expert(pool, e, x.data(), 1, c.n_embd, c.n_ff_expert, scratch, y.data());
        if (i > 0) rates.push_back(bytes / seconds_since(t)); // the first touches pages
    }
    return median(rates);
}

struct Bytes {
    double dense_per_token = 0;             // attention, router, head: read by every decode token
    double active_params = 0;               // multiply-adds per token
    double expert_high = 0, expert_low = 0; // average payload of a copy
};

struct Rates {
    double device = 0, link = 0, host = 0, cpu_experts = 0, tflops = 790;
    double shared = 0; // host memory read and link copies at once, together
};

struct Phase {
    double seconds = 0;
    size_t tokens = 0;
    OffloadCounters before, after;
};

uint64_t delta(uint64_t a, uint64_t b) {
    return b - a;
}

struct Split {
    double resident = 0, loaded = 0, cpu = 0; // bytes per token
    double hits = 0, loads = 0, cpus = 0;     // experts per token
};

Split split_of(const Phase& p, const Bytes& b, bool decode) {
    const auto& a = p.before;
    const auto& z = p.after;
    const double n = double(std::max<size_t>(p.tokens, 1));
    Split s;
    const double high =
        double(delta(a.actions[0], z.actions[0]) + delta(a.actions[2], z.actions[2]));
    const double low =
        double(delta(a.actions[1], z.actions[1]) + delta(a.actions[3], z.actions[3]));
    s.resident = (high * b.expert_high + low * b.expert_low) / n + (decode ? b.dense_per_token : 0);
    s.loaded = double(z.bytes_to_device() - a.bytes_to_device()) / n;
    s.cpu = double(delta(a.bytes_cpu_read, z.bytes_cpu_read)) / n;
    s.hits = double(delta(a.actions[0], z.actions[0]) + delta(a.actions[1], z.actions[1])) / n;
    s.loads = double(delta(a.actions[2], z.actions[2]) + delta(a.actions[3], z.actions[3])) / n;
    s.cpus = double(delta(a.actions[4], z.actions[4])) / n;
    return s;
}

} // namespace

int run_offload(const std::vector<std::string>& args, double copy_bw) {
    if (args.empty()) throw Error("offload: give a GGUF file");
    std::vector<std::string> budgets = {"8", "12", "24", "0"}, policies = {"lru", "lfu", "multi"},
                             lows = {"off", "on"}, cpus = {"off", "on"}, splits = {"on"};
    bool prefetch = true, lookahead = true, admit = true, background = false;
    size_t n_prompt = 512, n_decode = 64, cpu_threads = 0;
    std::string json_path;
    for (size_t i = 1; i < args.size(); ++i) {
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw Error(args[i] + " needs a value");
            return args[++i];
        };
        if (args[i] == "--budgets")
            budgets = split_list(value());
        else if (args[i] == "--policies")
            policies = split_list(value());
        else if (args[i] == "--low")
            lows = split_list(value());
        else if (args[i] == "--cpu")
            cpus = split_list(value());
        else if (args[i] == "--split")
            splits = split_list(value());
        else if (args[i] == "--prefetch")
            prefetch = value() != "off";
        else if (args[i] == "--lookahead")
            lookahead = value() == "on";
        else if (args[i] == "--admit")
            admit = value() != "off";
        else if (args[i] == "--background")
            background = value() == "on";
        else if (args[i] == "--prompt")
            n_prompt = std::stoul(value());
        else if (args[i] == "--decode")
            n_decode = std::stoul(value());
        else if (args[i] == "--cpu-threads")
            cpu_threads = std::stoul(value());
        else if (args[i] == "--json")
            json_path = value();
        else
            throw Error("offload: unknown option " + args[i]);
    }
    const size_t cores = std::max<size_t>(std::thread::hardware_concurrency(), 2);
    if (cpu_threads == 0) cpu_threads = cores > 3 ? cores - 2 : 1;

    Rates rate;
    rate.device = copy_bw;
    rate.link = measure_link(size_t(1) << 30);
    rate.host = measure_host_read(size_t(4) << 30, cores);
    const auto [host_shared, link_shared] = measure_shared(size_t(4) << 30, cores);
    rate.shared = host_shared + link_shared;
    std::printf("\nhost memory and link at once: host read %.1f GB/s + link %.1f GB/s = %.1f GB/s "
                "(alone: %.1f and %.1f)\n",
                host_shared / 1e9, link_shared / 1e9, (host_shared + link_shared) / 1e9,
                rate.host / 1e9, rate.link / 1e9);
    auto t = Clock::now();
    std::unique_ptr<model::Model> m = model::Model::load(gguf::GgufFile::open(args[0]));
    const model::ModelConfig& c = m->config();
    rate.cpu_experts = measure_cpu_experts(*m, cpu_threads);
    std::printf("\nlink (pinned host -> device): %.1f GB/s; host memory read (%zu threads): %.1f "
                "GB/s; CPU experts (%zu threads, one token): %.1f GB/s of weights\n",
                rate.link / 1e9, cores, rate.host / 1e9, cpu_threads, rate.cpu_experts / 1e9);

    Bytes bytes;
    bytes.dense_per_token = double(m->token_embedding().row_stride);
    auto mbytes = [](const backend::cpu::MatrixView& v) { return double(v.n_rows * v.row_stride); };
    bytes.dense_per_token += mbytes(m->output());
    bytes.active_params = double(m->output().n_rows * m->output().row_length);
    for (size_t l = 0; l < c.n_layer; ++l) {
        const model::LayerWeights& w = m->layer(l);
        for (const auto* v : {&w.wq, &w.wk, &w.wv, &w.wo, &w.router}) {
            bytes.dense_per_token += mbytes(*v);
            bytes.active_params += double(v->n_rows * v->row_length);
        }
        const model::ExpertMatrices& e = w.experts[0];
        bytes.active_params +=
            double(c.n_expert_used) * 3.0 * double(e.gate.n_rows) * double(e.gate.row_length);
    }

    // The store: every high and low copy in page-locked host memory.
    OffloadOptions store_options;
    store_options.device_bytes = 1;
    store_options.low_precision = std::find(lows.begin(), lows.end(), "on") != lows.end();
    backend::cpu::ThreadPool pool(std::min<size_t>(cores, 8));
    auto quantizer = std::make_shared<GpuExpertQuantizer>();
    t = Clock::now();
    double last_report = 0;
    offload::PreparedStore store = offload::prepare_store(
        *m, args[0], store_options, pool,
        [&](double f, std::string_view stage) {
            const double s = seconds_since(t);
            if (s - last_report > 5 || f >= 1.0) {
                std::printf("  %5.1f s  %-40s %3.0f%%\n", s, std::string(stage).c_str(), 100 * f);
                std::fflush(stdout);
                last_report = s;
            }
        },
        gpu_store_options(quantizer));
    quantizer.reset();
    const offload::ExpertCatalog& catalog = store.store->catalog();
    double n_high = 0, sum_high = 0, sum_low = 0;
    for (uint32_t l = 0; l < catalog.n_layer(); ++l)
        for (uint32_t e = 0; e < catalog.n_expert(); ++e, ++n_high) {
            sum_high += double(catalog.layout(l, e, Precision::High).payload_bytes());
            if (catalog.has_low())
                sum_low += double(catalog.layout(l, e, Precision::Low).payload_bytes());
        }
    bytes.expert_high = sum_high / n_high;
    bytes.expert_low = catalog.has_low() ? sum_low / n_high : bytes.expert_high;
    std::printf("store ready in %.1f s: %s low copies (%s, %s), experts %.2f GiB high, %.2f GiB "
                "low, host %.2f GiB\n",
                seconds_since(t), store.setup.sidecar_built ? "built" : "reused",
                store.setup.low_format.c_str(), store.setup.sidecar.string().c_str(),
                sum_high / double(1 << 30), sum_low / double(1 << 30),
                double(store.store->host().used_bytes()) / double(1 << 30));

    std::mt19937 rng(42);
    std::vector<int32_t> prompt(n_prompt);
    for (int32_t& tok : prompt) tok = int32_t(rng() % c.n_vocab);
    std::ofstream json;
    if (!json_path.empty()) json.open(json_path);

    std::printf("\nprefetch %s, prefill lookahead %s, loads behind CPU experts %s\n",
                prefetch ? "on" : "off", lookahead ? "on" : "off", admit ? "on" : "off");
    std::printf("%-6s %-6s %-4s %-4s %-5s %8s %8s %6s | %8s %6s %5s %5s %5s %7s %7s %7s %6s\n",
                "budget", "policy", "low", "cpu", "split", "decode", "bound", "frac", "prefill",
                "frac", "hit/t", "load/t", "cpu/t", "GB/t", "GB/t", "GB/t", "slots");
    std::printf("%-6s %-6s %-4s %-4s %-5s %8s %8s %6s | %8s %6s %5s %5s %5s %7s %7s %7s %6s\n",
                "GB", "", "", "", "", "tok/s", "tok/s", "", "tok/s", "", "", "", "", "device",
                "link", "cpu", "");
    for (const std::string& budget : budgets)
        for (const std::string& policy : policies)
            for (const std::string& low : lows)
                for (const std::string& cpu : cpus)
                    for (const std::string& split : splits) {
                        const bool unlimited = budget == "0";
                        // With room for everything the choices do not matter: run one.
                        if (unlimited && (policy != policies[0] || low != lows[0] ||
                                          cpu != cpus[0] || split != splits[0]))
                            continue;
                        OffloadOptions o;
                        o.device_bytes = unlimited ? 0 : uint64_t(std::stod(budget) * 1e9);
                        o.policy = policy;
                        o.low_precision = low == "on" && catalog.has_low();
                        o.cpu_fallback = cpu == "on";
                        o.cpu_threads = cpu_threads;
                        o.link_gbps = rate.link / 1e9;
                        o.prefetch = prefetch;
                        o.prefill_lookahead = lookahead;
                        o.admit_cpu_experts = admit;
                        o.split_experts = split == "on";
                        o.background_loads_with_splits = background;
                        try {
                            const auto t0 = Clock::now();
                            GpuOffload g =
                                start_gpu_offload(*m, store.store, o, n_prompt + n_decode + 16,
                                                  nullptr, Clock::now(), rate.cpu_experts);
                            const double setup_s = seconds_since(t0);
                            std::vector<float> logits;
                            // Prefill twice: the first fills the expert cache.
                            g.model->eval(prompt, model::LogitsMode::Last, logits);
                            g.model->clear();
                            Phase pre;
                            pre.tokens = n_prompt;
                            pre.before = g.executor->counters();
                            auto tp = Clock::now();
                            g.model->eval(prompt, model::LogitsMode::Last, logits);
                            pre.seconds = seconds_since(tp);
                            pre.after = g.executor->counters();
                            // Decode: a few warm-up steps, then the timed ones.
                            auto step = [&] {
                                const int32_t next =
                                    int32_t(std::max_element(logits.begin(), logits.end()) -
                                            logits.begin());
                                const int32_t one[] = {next};
                                g.model->eval(one, model::LogitsMode::Last, logits);
                            };
                            for (int i = 0; i < 4; ++i) step();
                            Phase dec;
                            dec.tokens = n_decode;
                            dec.before = g.executor->counters();
                            tp = Clock::now();
                            for (size_t i = 0; i < n_decode; ++i) step();
                            dec.seconds = seconds_since(tp);
                            dec.after = g.executor->counters();

                            const Split sd = split_of(dec, bytes, true),
                                        sp = split_of(pre, bytes, false);
                            const double decode_tps = double(n_decode) / dec.seconds;
                            const double t_dev = sd.resident / rate.device,
                                         t_link = sd.loaded / rate.link, t_cpu = sd.cpu / rate.host;
                            const double t_shared = (sd.loaded + sd.cpu) / rate.shared;
                            const double bound = 1.0 / std::max({t_dev, t_link, t_cpu, t_shared});
                            const double prefill_tps = double(n_prompt) / pre.seconds;
                            const double p_compute =
                                2.0 * bytes.active_params / (rate.tflops * 1e12);
                            const double p_bound =
                                1.0 /
                                std::max({p_compute, sp.loaded / rate.link, sp.cpu / rate.host,
                                          (sp.loaded + sp.cpu) / rate.shared});
                            const offload::BudgetPlan& plan = g.model->plan();
                            std::printf(
                                "%-6s %-6s %-4s %-4s %-5s %8.1f %8.1f %5.0f%% | %8.0f %5.0f%% "
                                "%5.2f %5.2f %5.2f %7.2f %7.2f %7.2f %6.0f %s\n",
                                unlimited ? "all" : budget.c_str(), policy.c_str(), low.c_str(),
                                cpu.c_str(), split.c_str(), decode_tps, bound,
                                100 * decode_tps / bound, prefill_tps, 100 * prefill_tps / p_bound,
                                sd.hits, sd.loads, sd.cpus, sd.resident / 1e9, sd.loaded / 1e9,
                                sd.cpu / 1e9,
                                plan.high_slots + (plan.layout == offload::PoolLayout::Separate
                                                       ? plan.low_slots
                                                       : 0.0),
                                g.model->uses_cublas() ? "cublas" : "int8");
                            std::fflush(stdout);
                            if (json) {
                                const OffloadCounters& k = dec.after;
                                json
                                    << "{\"budget_gb\":" << (unlimited ? 0.0 : std::stod(budget))
                                    << ",\"policy\":\"" << policy << "\",\"low\":" << (low == "on")
                                    << ",\"prefill_products\":\""
                                    << (g.model->uses_cublas() ? "cublas" : "int8") << "\""
                                    << ",\"cpu\":" << (cpu == "on") << ",\"prefetch\":" << prefetch
                                    << ",\"admit\":" << admit << ",\"split\":" << (split == "on")
                                    << ",\"split_per_token\":"
                                    << double(k.split_experts - dec.before.split_experts) /
                                           double(n_decode)
                                    << ",\"decode_tps\":" << decode_tps
                                    << ",\"decode_bound\":" << bound
                                    << ",\"prefill_tps\":" << prefill_tps
                                    << ",\"prefill_bound\":" << p_bound
                                    << ",\"hits_per_token\":" << sd.hits
                                    << ",\"loads_per_token\":" << sd.loads
                                    << ",\"cpu_per_token\":" << sd.cpus
                                    << ",\"resident_gb_per_token\":" << sd.resident / 1e9
                                    << ",\"loaded_gb_per_token\":" << sd.loaded / 1e9
                                    << ",\"cpu_gb_per_token\":" << sd.cpu / 1e9
                                    << ",\"prefill_loaded_gb_per_token\":" << sp.loaded / 1e9
                                    << ",\"prefill_cpu_gb_per_token\":" << sp.cpu / 1e9
                                    << ",\"slots\":" << plan.high_slots << ",\"expert_area_gb\":"
                                    << double(plan.expert_area_bytes) / 1e9
                                    << ",\"device_peak_gb\":" << double(k.device_peak) / 1e9
                                    << ",\"device_budget_gb\":" << double(k.device_capacity) / 1e9
                                    << ",\"stall_s\":" << k.stall_seconds - dec.before.stall_seconds
                                    << ",\"link_gbps\":" << k.link_gbps
                                    << ",\"cpu_gbps\":" << k.cpu_gbps << ",\"setup_s\":" << setup_s
                                    << "}\n";
                                json.flush();
                            }
                        } catch (const std::exception& e) {
                            std::printf("%-6s %-6s %-4s %-4s failed: %s\n", budget.c_str(),
                                        policy.c_str(), low.c_str(), cpu.c_str(), e.what());
                            std::fflush(stdout);
                        }
                    }
    std::printf("\nbound: 1 / max(resident GB/t / %.0f GB/s, link GB/t / %.1f GB/s, cpu GB/t / "
                "%.1f GB/s, (link + cpu) GB/t / %.1f GB/s); prefill bound also by %.0f TFLOP/s\n",
                rate.device / 1e9, rate.link / 1e9, rate.host / 1e9, rate.shared / 1e9,
                rate.tflops);
    return 0;
}

} // namespace hoard::bench
