//! Interactive chat in the terminal.
//!
//! ```sh
//! cargo run --example chat -- [MODEL.gguf]
//! ```
//!
//! Without an argument it opens the bundled model the CMake build writes,
//! `build/models/hoard-tiny-moe.gguf` (random weights: its replies are
//! gibberish, but every part of the engine runs). Type a message and press
//! Enter; end with Ctrl-D (end of input), so piping works too:
//! `echo "Hello" | cargo run --example chat`.
use hoard::{ChatMessage, Engine, ErrorCode, GenerationParams};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn default_model() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../build/models/hoard-tiny-moe.gguf"
    ))
}

fn main() -> ExitCode {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(default_model);
    match chat(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("chat: {error}");
            ExitCode::FAILURE
        }
    }
}

fn chat(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::new()?;
    // Each loading stage once, so that the line reads well in a pipe too.
    let shown = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    eprint!("loading {}:", shown.display());
    let mut last_stage = String::new();
    let model = engine.load_model_with(path, None, |_fraction, stage| {
        if stage != last_stage {
            let separator = if last_stage.is_empty() { " " } else { ", " };
            eprint!("{separator}{stage}");
            last_stage = stage.to_owned();
        }
        true
    })?;
    eprintln!();
    let info = model.info()?;
    eprintln!(
        "hoard {}: {} ({}), {} layers, {} experts ({} per token), {:.1} MiB",
        hoard::version(),
        if info.name.is_empty() {
            "model"
        } else {
            &info.name
        },
        info.architecture,
        info.n_layer,
        info.n_expert,
        info.n_expert_used,
        info.file_bytes as f64 / (1024.0 * 1024.0)
    );
    eprintln!("Type a message and press Enter; Ctrl-D ends the chat.");

    let mut session = engine.create_session(&model, 0)?;
    let params = GenerationParams {
        max_tokens: 256,
        ..GenerationParams::default()
    };
    let mut history: Vec<ChatMessage> = Vec::new();
    let mut stdout = io::stdout();
    let mut lines = io::stdin().lock().lines();
    loop {
        print!("> ");
        stdout.flush()?;
        let line = match lines.next().transpose()? {
            Some(line) => line,
            None => {
                println!();
                return Ok(());
            }
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        history.push(ChatMessage::user(line));
        let mut reply = String::new();
        let result = session.chat(&history, &params, |_token, text| {
            print!("{text}");
            let _ = io::stdout().flush();
            reply.push_str(text);
            true
        });
        println!();
        match result {
            Ok(stats) => {
                eprintln!(
                    "[{} tokens, {:.1} tokens/s, {:?}]",
                    stats.generated_tokens, stats.decode_tokens_per_second, stats.stop_reason
                );
                history.push(ChatMessage::assistant(reply));
            }
            Err(error) if error.code() == ErrorCode::ContextFull => {
                eprintln!("[the conversation no longer fits the context; starting a new one]");
                history.clear();
                session.reset()?;
            }
            Err(error) => return Err(error.into()),
        }
    }
}
