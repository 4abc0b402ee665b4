// hoard chat -m MODEL: an interactive conversation in the terminal, formatted
// with the model's chat template; recorded as one session of the profile
// database unless --no-record is given.
#include "cli_common.hpp"
#include "offload_options.hpp"
#include "session_recording.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace hoard::cli {
namespace {

Session* g_active_session = nullptr; // the one a Ctrl-C interrupts

void on_interrupt(int) {
    if (Session* s = g_active_session) s->cancel();
}

} // namespace

void register_chat(CLI::App& app) {
    auto* cmd = app.add_subcommand("chat", "Chat with a model in the terminal");
    static std::string path, system_prompt;
    static GenerationParams params;
    static size_t n_ctx = 0, n_threads = 0;
    static OffloadFlags offload;
    static RecordFlags record;
    cmd->add_option("-m,--model", path, "GGUF model file")->required();
    cmd->add_option("-s,--system", system_prompt, "System prompt");
    cmd->add_option("-n,--n-predict", params.max_tokens, "Most tokens per reply")
        ->capture_default_str();
    cmd->add_option("-c,--ctx", n_ctx, "Context length (0: the model's, at most 4096)");
    cmd->add_option("-t,--threads", n_threads, "Worker threads (0: all cores)");
    add_sampling_options(*cmd, params.sampling);
    add_offload_options(*cmd, offload);
    add_record_options(*cmd, record);
    cmd->callback([] {
        Loaded loaded = load_with_offload(path, n_threads, offload, n_ctx);
        auto session = loaded.engine->create_session(loaded.model, n_ctx);
        CliRecording recording(
            record, *session,
            {.generation = params,
             .extra_settings_json =
                 nlohmann::json{{"command", "chat"}, {"n_ctx", session->context_size()}}.dump()});
        std::vector<ChatMessage> messages;
        if (!system_prompt.empty()) messages.push_back({"system", system_prompt});
        const ModelSummary& s = loaded.model->summary();
        std::printf("Hoard chat: %s (%s, %zu experts, top-%zu). Type /reset to start over, "
                    "/quit or Ctrl-D to leave, Ctrl-C to stop a reply.\n",
                    s.name.empty() ? path.c_str() : s.name.c_str(), s.architecture.c_str(),
                    s.n_expert, s.n_expert_used);
        std::signal(SIGINT, on_interrupt);
        std::string line;
        while (true) {
            std::printf("\n> ");
            std::fflush(stdout);
            if (!std::getline(std::cin, line) || line == "/quit") break;
            if (line == "/reset") {
                messages.resize(system_prompt.empty() ? 0 : 1);
                session->reset();
                std::printf("(conversation cleared)\n");
                continue;
            }
            if (line.empty()) continue;
            messages.push_back({"user", line});
            std::string reply;
            g_active_session = session.get();
            const GenerationStats stats =
                session->chat(messages, params, [&](int32_t, std::string_view piece) {
                    reply += piece;
                    std::fwrite(piece.data(), 1, piece.size(), stdout);
                    std::fflush(stdout);
                    return true;
                });
            g_active_session = nullptr;
            messages.push_back({"assistant", reply});
            std::printf("\n[%zu tokens, %.1f tok/s, first token %.2f s%s]\n",
                        stats.generated_tokens, stats.decode_tokens_per_second(),
                        stats.first_token_seconds,
                        stats.stop == StopReason::Cancelled ? ", interrupted" : "");
        }
        std::signal(SIGINT, SIG_DFL);
        std::printf("\n");
        std::fflush(stdout);
        recording.finish();
        finish_offload(loaded, offload, stdout);
    });
}

} // namespace hoard::cli
