// hoard bench: prefill and decode speed, and decode as a fraction of the
// memory-bandwidth bound (bytes read per token / measured bandwidth); with
// --record, what recording the session costs decode.
#include "cli_common.hpp"
#include "hoard/error.hpp"
#include "hoard/profiling.hpp"
#include "hoard/tools.hpp"
#include "offload_options.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace hoard::cli {
namespace {

// Bytes one decode step reads: every non-expert weight except the embedding
// table (one row of it), k of n experts per layer, and the KV cache so far.
double decode_bytes_per_token(const ModelSummary& s, size_t position) {
    const double embedding_row = s.n_vocab ? double(s.bytes_token_embedding) / s.n_vocab : 0.0;
    const double experts = s.n_expert ? double(s.bytes_expert) * s.n_expert_used / s.n_expert : 0.0;
    const double kv = double(s.n_layer) * position * s.kv_bytes_per_token_per_layer;
    return double(s.bytes_non_expert) - double(s.bytes_token_embedding) + embedding_row + experts +
           kv;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Decode speed with and without a recording of the session, in alternating
// rounds (the order flips every round, so drift favours neither), into a
// scratch database that is removed afterwards.
void measure_recording_overhead(Session& session, std::span<const int32_t> prompt,
                                const GenerationParams& params, uint32_t rounds, bool timeline) {
    const std::filesystem::path scratch =
        std::filesystem::temp_directory_path() /
        ("hoard-bench-record-" + std::to_string(getpid()) + ".db");
    auto cleanup = [&] {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(scratch.string() + suffix, ec);
    };
    std::vector<double> without, with, ratios;
    uint64_t dropped = 0, passes = 0, events = 0, rows = 0, decoded = 0;
    double writer_cpu = 0;
    try {
        ProfileStore store = ProfileStore::open(scratch);
        for (uint32_t round = 0; round < rounds; ++round) {
            double speed[2] = {};
            for (int i = 0; i < 2; ++i) {
                const bool recorded = (i == 0) == (round % 2 == 1);
                session.reset();
                Recording recording;
                if (recorded) {
                    recording = store.record(session, {.generation = params, .timeline = timeline});
                    if (recording.failed()) throw Error(recording.error());
                }
                const GenerationStats stats = session.generate(prompt, params, {});
                speed[recorded] = stats.decode_tokens_per_second();
                if (recorded) {
                    recording.stop();
                    if (recording.failed()) throw Error(recording.error());
                    const RecordingStats r = recording.stats();
                    dropped += r.dropped_events;
                    events += r.received_events;
                    rows += r.written_rows;
                    writer_cpu += r.writer_cpu_seconds;
                    decoded += stats.generated_tokens;
                    passes += store.passes(recording.session_id()).size();
                }
            }
            without.push_back(speed[0]);
            with.push_back(speed[1]);
            if (speed[0] > 0) ratios.push_back(speed[1] / speed[0]);
        }
    } catch (...) {
        cleanup();
        throw;
    }
    cleanup();
    const double ratio = median(ratios);
    std::printf("recording:        %u rounds of %d decode tokens%s: %.2f tokens/s without, "
                "%.2f with (medians)\n",
                rounds, params.max_tokens, timeline ? "" : " (no timeline)", median(without),
                median(with));
    std::printf("recording cost:   with/without %.4f (median of the rounds' ratios): %.2f %% "
                "slower; %llu passes recorded, %llu events dropped\n",
                ratio, (1 - ratio) * 100, static_cast<unsigned long long>(passes),
                static_cast<unsigned long long>(dropped));
    if (decoded > 0)
        std::printf("recorder:         per decode token %.1f events, %.1f rows, %.1f us of the "
                    "writer thread's CPU (the prompt's pass included)\n",
                    double(events) / double(decoded), double(rows) / double(decoded),
                    writer_cpu / double(decoded) * 1e6);
}

} // namespace

void register_bench(CLI::App& app) {
    auto* cmd =
        app.add_subcommand("bench", "Measure prefill and decode speed against the memory bound");
    static std::string path;
    static size_t n_prompt = 128, n_threads = 0;
    static int32_t n_decode = 64;
    static OffloadFlags offload;
    static bool record = false;
    static uint32_t record_rounds = 7;
    static bool record_timeline = true;
    cmd->add_option("-m,--model", path, "GGUF model file")->required();
    cmd->add_option("-p,--prompt-tokens", n_prompt, "Prompt length for prefill")
        ->capture_default_str();
    cmd->add_option("-n,--decode-tokens", n_decode, "Tokens to decode")->capture_default_str();
    cmd->add_option("-t,--threads", n_threads, "Worker threads (0: all cores)");
    add_offload_options(*cmd, offload);
    cmd->add_flag("--record", record,
                  "Also measure decode with and without recording the session (its cost)");
    cmd->add_option("--record-rounds", record_rounds,
                    "Rounds of the recording comparison (each decodes twice)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1000u));
    cmd->add_flag("!--record-no-timeline", record_timeline,
                  "In the recording comparison, record without the timeline's rows");
    cmd->callback([] {
        Loaded loaded =
            load_with_offload(path, n_threads, offload, n_prompt + size_t(n_decode) + 8);
        const ModelSummary& s = loaded.model->summary();
        const size_t threads = loaded.engine->n_threads();
        std::printf("model:            %s (%s)\n", path.c_str(), s.architecture.c_str());
        std::printf("threads:          %zu\n", threads);
        std::printf("backend:          %s\n", loaded.model->backend_description().c_str());
        // On a GPU the weights stream from its memory: its bandwidth is the bound.
        const double gpu_bandwidth = loaded.model->backend_memory_bandwidth();
        const double bandwidth =
            gpu_bandwidth > 0 ? gpu_bandwidth : measure_memory_bandwidth(threads);
        std::printf("memory bandwidth: %.2f GB/s (%s)\n", bandwidth / 1e9,
                    gpu_bandwidth > 0 ? "the GPU's, from its memory clock and bus width"
                                      : "measured, streaming read");

        // A fixed pseudo-random prompt: the same work on every run.
        std::vector<int32_t> prompt(n_prompt);
        uint64_t state = 42;
        for (int32_t& t : prompt) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            t = static_cast<int32_t>((state >> 33) % s.n_vocab);
        }
        auto session = loaded.engine->create_session(loaded.model, n_prompt + size_t(n_decode) + 8);
        GenerationParams params;
        params.max_tokens = n_decode;
        params.sampling = SamplingParams::greedy();
        params.stop_at_end_of_generation = false;
        params.prefill_chunk = n_prompt;
        // Warm-up with the same prompt: page the weights in, spin up the
        // threads, load the GPU libraries' kernels for these shapes, and (when
        // offloading) leave the expert cache as a previous prompt would.
        session->generate(prompt,
                          {.max_tokens = 2,
                           .sampling = SamplingParams::greedy(),
                           .stop_at_end_of_generation = false,
                           .prefill_chunk = n_prompt},
                          {});
        session->reset();
        const GenerationStats stats = session->generate(prompt, params, {});

        const double bytes = decode_bytes_per_token(s, n_prompt + size_t(n_decode) / 2);
        const double bound = bandwidth / bytes;
        const double decode = stats.decode_tokens_per_second();
        std::printf("prefill:          %zu tokens in %.3f s = %.1f tokens/s\n", stats.prompt_tokens,
                    stats.prefill_seconds, stats.prefill_tokens_per_second());
        std::printf("decode:           %zu tokens = %.2f tokens/s (%.2f ms/token)\n",
                    stats.generated_tokens, decode, decode > 0 ? 1000.0 / decode : 0.0);
        std::printf("decode reads:     %.2f MB per token (weights used by one token + KV cache)\n",
                    bytes / 1e6);
        std::printf("decode bound:     %.2f tokens/s at the measured bandwidth\n", bound);
        std::printf("decode fraction:  %.2f of the memory-bandwidth bound (%.2f GB/s effective)\n",
                    decode / bound, decode * bytes / 1e9);
        if (record)
            measure_recording_overhead(*session, prompt, params, record_rounds, record_timeline);
        finish_offload(loaded, offload, stdout);
    });
}

} // namespace hoard::cli
