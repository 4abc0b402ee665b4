// hoard run -m MODEL -p TEXT: streams a continuation of the prompt, recorded
// as a session of the profile database unless --no-record is given.
#include "cli_common.hpp"
#include "offload_options.hpp"
#include "session_recording.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace hoard::cli {

void register_run(CLI::App& app) {
    auto* cmd = app.add_subcommand("run", "Generate text from a prompt, streamed to stdout");
    static std::string path, prompt, prompt_file;
    static GenerationParams params;
    static size_t n_ctx = 0, n_threads = 0;
    static bool show_stats = true;
    static OffloadFlags offload;
    static RecordFlags record;
    cmd->add_option("-m,--model", path, "GGUF model file")->required();
    auto* p = cmd->add_option("-p,--prompt", prompt, "Prompt text");
    cmd->add_option("-f,--prompt-file", prompt_file, "Read the prompt from a file")->excludes(p);
    cmd->add_option("-n,--n-predict", params.max_tokens,
                    "Tokens to generate (-1: until the context is full)")
        ->capture_default_str();
    cmd->add_option("-c,--ctx", n_ctx, "Context length (0: the model's, at most 4096)");
    cmd->add_option("-t,--threads", n_threads, "Worker threads (0: all cores)");
    cmd->add_flag("!--no-stats", show_stats, "Do not print speed figures to stderr");
    add_sampling_options(*cmd, params.sampling);
    add_offload_options(*cmd, offload);
    add_record_options(*cmd, record);
    cmd->callback([] {
        const std::string text = prompt_file.empty() ? prompt : read_file(prompt_file);
        Loaded loaded = load_with_offload(path, n_threads, offload, n_ctx);
        const std::vector<int32_t> tokens = loaded.model->tokenize(text, true, false);
        auto session = loaded.engine->create_session(loaded.model, n_ctx);
        CliRecording recording(
            record, *session,
            {.generation = params,
             .extra_settings_json =
                 nlohmann::json{{"command", "run"}, {"n_ctx", session->context_size()}}.dump()});
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
        const GenerationStats stats =
            session->generate(tokens, params, [](int32_t, std::string_view piece) {
                std::fwrite(piece.data(), 1, piece.size(), stdout);
                std::fflush(stdout);
                return true;
            });
        std::fputc('\n', stdout);
        std::fflush(stdout);
        if (show_stats)
            std::fprintf(stderr,
                         "\n[%zu prompt tokens at %.1f tok/s, %zu generated at %.1f tok/s, "
                         "first token after %.3f s; stopped: %s]\n",
                         stats.prompt_tokens, stats.prefill_tokens_per_second(),
                         stats.generated_tokens, stats.decode_tokens_per_second(),
                         stats.first_token_seconds, stop_reason_name(stats.stop));
        recording.finish();
        finish_offload(loaded, offload, stderr);
    });
}

} // namespace hoard::cli
