// hoard_cuda_bench model: a whole model resident in VRAM, prefill and decode
// speed against the memory-bandwidth bound of the bytes each token reads.
#include "cuda_bench.hpp"

#include "backend/cuda/cuda_model.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace hoard::bench {

using backend::cuda::CudaModel;
using backend::cuda::CudaModelOptions;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

size_t matrix_bytes(const backend::cpu::MatrixView& m) {
    return m.n_rows * m.row_stride;
}

struct ByteCount {
    double total = 0;            // every weight
    double per_decode_token = 0; // what one decode step reads: attention, router, k experts, head
    double active_params = 0;    // multiply-adds per token
};

ByteCount count_bytes(const model::Model& m) {
    const model::ModelConfig& c = m.config();
    ByteCount b;
    auto add = [&](const backend::cpu::MatrixView& v, double share) {
        b.total += double(matrix_bytes(v));
        b.per_decode_token += share * double(matrix_bytes(v));
        b.active_params += share * double(v.n_rows * v.row_length);
    };
    b.total += double(matrix_bytes(m.token_embedding()));
    b.per_decode_token += double(m.token_embedding().row_stride);
    if (m.output_tied_to_embedding()) { // read whole as the head, counted once in total
        b.per_decode_token += double(matrix_bytes(m.output()));
        b.active_params += double(m.output().n_rows * m.output().row_length);
    } else {
        add(m.output(), 1.0);
    }
    for (size_t l = 0; l < c.n_layer; ++l) {
        const model::LayerWeights& w = m.layer(l);
        for (const auto* v : {&w.wq, &w.wk, &w.wv, &w.wo}) add(*v, 1.0);
        if (c.is_moe()) {
            add(w.router, 1.0);
            const double share = double(c.n_expert_used) / double(c.n_expert);
            for (const model::ExpertMatrices& e : w.experts)
                for (const auto* v : {&e.gate, &e.up, &e.down}) add(*v, share);
        } else {
            for (const auto* v : {&w.ffn_gate, &w.ffn_up, &w.ffn_down}) add(*v, 1.0);
        }
    }
    return b;
}

size_t argmax(const std::vector<float>& v) {
    return size_t(std::max_element(v.begin(), v.end()) - v.begin());
}

} // namespace

int run_model(const std::vector<std::string>& args, double copy_bw) {
    if (args.empty()) throw Error("model: give a GGUF file");
    size_t n_prompt = 512, n_decode = 128;
    double peak_tflops = 790; // bf16 dense, measured on this machine kind (KINDS.md)
    CudaModelOptions options;
    for (size_t i = 1; i < args.size(); ++i) {
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw Error(args[i] + " needs a value");
            return args[++i];
        };
        if (args[i] == "--prompt")
            n_prompt = std::stoul(value());
        else if (args[i] == "--decode")
            n_decode = std::stoul(value());
        else if (args[i] == "--no-graphs")
            options.use_graphs = false;
        else if (args[i] == "--peak-tflops")
            peak_tflops = std::stod(value());
        else
            throw Error("model: unknown option " + args[i]);
    }

    auto t = Clock::now();
    const auto m = model::Model::load(gguf::GgufFile::open(args[0]));
    const double open_s = seconds_since(t);
    const model::ModelConfig& c = m->config();
    const ByteCount bytes = count_bytes(*m);
    t = Clock::now();
    const auto gpu = CudaModel::load(*m, options);
    const double upload_s = seconds_since(t);
    std::printf("\nmodel %s: %zu layers, %zu experts (top %zu), %.2f GiB of weights\n",
                args[0].c_str(), c.n_layer, c.n_expert, c.n_expert_used, bytes.total / (1 << 30));
    std::printf(
        "opened in %.1f s; copied to the GPU in %.1f s (%.1f GB/s through pinned staging)\n",
        open_s, upload_s, double(gpu->weight_bytes()) / upload_s / 1e9);
    if (gpu->uses_cublas())
        std::printf("prefill batches of >= %zu tokens through cuBLAS\n", gpu->cublas_min_tokens());
    else
        std::printf("prefill through the int8 products (%s)\n", gpu->cublas_note().c_str());

    std::mt19937 rng(42);
    std::vector<int32_t> prompt(n_prompt);
    for (int32_t& tok : prompt) tok = int32_t(rng() % c.n_vocab);
    std::vector<float> logits;

    // Prefill: the prompt in one eval, on a fresh cache each time.
    std::vector<double> prefill_s;
    for (int r = 0; r < 4; ++r) {
        auto cache = gpu->make_cache(n_prompt + n_decode + 8);
        t = Clock::now();
        gpu->eval(*cache, prompt, model::LogitsMode::Last, logits);
        if (r > 0) prefill_s.push_back(seconds_since(t)); // the first loads kernels
    }
    const double prefill = median(prefill_s);

    // Decode: greedy, one token at a time, after the prompt.
    auto cache = gpu->make_cache(n_prompt + n_decode + 8);
    gpu->eval(*cache, prompt, model::LogitsMode::Last, logits);
    int32_t next = int32_t(argmax(logits));
    const int32_t first[] = {next};
    gpu->eval(*cache, first, model::LogitsMode::Last, logits); // captures the graph
    t = Clock::now();
    for (size_t i = 0; i < n_decode; ++i) {
        const int32_t one[] = {int32_t(argmax(logits))};
        gpu->eval(*cache, one, model::LogitsMode::Last, logits);
    }
    const double decode_s = seconds_since(t);

    const double decode_tps = double(n_decode) / decode_s;
    const double decode_bound = copy_bw / bytes.per_decode_token;
    const double prefill_tps = double(n_prompt) / prefill;
    const double flops = 2.0 * bytes.active_params * double(n_prompt);
    const double prefill_bound_s = std::max(flops / (peak_tflops * 1e12), bytes.total / copy_bw);
    std::printf("decode:  %.1f tokens/s (%s), %.2f GB read per token, bound %.0f tokens/s "
                "(copy bandwidth): %.0f%% of it\n",
                decode_tps, options.use_graphs ? "graph replay" : "direct launches",
                bytes.per_decode_token / 1e9, decode_bound, 100.0 * decode_tps / decode_bound);
    std::printf("prefill: %zu tokens in %.1f ms = %.0f tokens/s, %.1f TFLOP/s; bound %.0f tokens/s "
                "(%.0f TFLOP/s or all weights once): %.0f%% of it\n",
                n_prompt, prefill * 1e3, prefill_tps, flops / prefill / 1e12,
                double(n_prompt) / prefill_bound_s, peak_tflops,
                100.0 * prefill_tps / (double(n_prompt) / prefill_bound_s));
    std::printf("device memory: %.2f GiB counted against a budget of %.2f GiB (peak %.2f GiB)\n",
                double(gpu->memory().used()) / (1 << 30),
                double(gpu->memory().budget()) / (1 << 30),
                double(gpu->memory().peak()) / (1 << 30));
    return 0;
}

} // namespace hoard::bench
