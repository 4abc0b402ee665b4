// `hoard`: the command-line face of the engine.
#include "cli_common.hpp"
#include "hoard/error.hpp"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    CLI::App app{"Hoard: runs Mixture-of-Experts language models across VRAM, RAM and disk"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "hoard 0.1.0");
    hoard::cli::register_info(app);
    hoard::cli::register_run(app);
    hoard::cli::register_chat(app);
    hoard::cli::register_tokenize(app);
    hoard::cli::register_logits(app);
    hoard::cli::register_template(app);
    hoard::cli::register_bench(app);
    hoard::cli::register_synth(app);
    hoard::cli::register_replay(app);
    hoard::cli::register_sessions(app);
    hoard::cli::register_plan(app);
    hoard::cli::register_devices(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const hoard::Error& e) {
        std::fprintf(stderr, "hoard: %s\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "hoard: out of memory\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hoard: internal error: %s\n", e.what());
        return 2;
    }
    return 0;
}
