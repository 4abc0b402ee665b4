//! The crate against the conformance model: what it reports, its tokenizer,
//! and greedy generation reproducing the reference tokens.
mod common;

use common::{engine, model, model_path, reference};
use hoard::{ChatMessage, GenerationParams, StopReason};

fn greedy(max_tokens: i32) -> GenerationParams {
    GenerationParams {
        max_tokens,
        stop_at_end_of_generation: false,
        ..GenerationParams::greedy()
    }
}

#[test]
fn the_model_is_described() {
    let info = model().info().unwrap();
    assert_eq!(info.architecture, "llama");
    assert_eq!(info.path, model_path().to_str().unwrap());
    assert_eq!(
        (
            info.n_layer,
            info.n_embd,
            info.n_head,
            info.n_head_kv,
            info.head_dim
        ),
        (4, 256, 4, 2, 64)
    );
    assert_eq!(
        (info.n_expert, info.n_expert_used, info.n_ff_expert),
        (8, 2, 512)
    );
    assert_eq!(info.n_vocab, 32000);
    assert!(!info.has_chat_template);
    assert_eq!(info.bos_token, Some(reference().prompt_tokens[0]));
    assert!(info.parameters_active < info.parameters_total);
    assert_eq!(info.formats[0].format, "f16");
    assert_eq!(
        info.formats.iter().map(|f| f.bytes).sum::<u64>(),
        info.bytes_expert + info.bytes_non_expert
    );
}

#[test]
fn the_memory_plan_follows_the_context() {
    let m = model();
    let small = m.plan_memory(1024).unwrap();
    let large = m.plan_memory(2048).unwrap();
    assert_eq!((small.n_ctx, large.n_ctx), (1024, 2048));
    assert_eq!(large.kv_cache_bytes, 2 * small.kv_cache_bytes);
    assert_eq!(small.kv_bytes_per_token * 1024, small.kv_cache_bytes);
    assert_eq!(small.total_bytes, small.weight_bytes + small.kv_cache_bytes);
    assert_eq!(
        small.weight_bytes,
        small.expert_bytes + small.non_expert_bytes
    );
    assert_eq!(
        m.plan_memory(0).unwrap().n_ctx,
        m.info().unwrap().default_context
    );
}

#[test]
fn the_tokenizer_matches_the_reference() {
    let r = reference();
    let tokens = model().tokenize(&r.prompt_text, true, false).unwrap();
    assert_eq!(tokens, r.prompt_tokens);
    assert_eq!(model().detokenize(&tokens[1..]).unwrap(), r.prompt_text);
    assert_eq!(model().token_text(tokens[0]).unwrap(), "<s>");
    assert!(model().tokenize("", false, false).unwrap().is_empty());
}

#[test]
fn greedy_generation_reproduces_the_reference() {
    let r = reference();
    let mut session = engine().create_session(model(), 256).unwrap();
    assert_eq!(session.context_size().unwrap(), 256);
    assert_eq!(session.last_stats().unwrap(), None);
    let mut tokens = Vec::new();
    let mut text = String::new();
    let stats = session
        .generate(
            &r.prompt_tokens,
            &greedy(r.greedy_tokens.len() as i32),
            |token, piece| {
                tokens.extend(token);
                text.push_str(piece);
                true
            },
        )
        .unwrap();
    assert_eq!(tokens, r.greedy_tokens);
    assert_eq!(text, r.greedy_text);
    assert_eq!(stats.stop_reason, StopReason::MaxTokens);
    assert_eq!(stats.prompt_tokens, r.prompt_tokens.len() as u64);
    assert_eq!(stats.generated_tokens, r.greedy_tokens.len() as u64);
    assert!(stats.prefill_seconds > 0.0 && stats.decode_tokens_per_second > 0.0);

    let telemetry = session.telemetry().unwrap();
    assert!(!telemetry.generating);
    assert_eq!((telemetry.calls, telemetry.current_tokens), (1, 16));
    assert_eq!(telemetry.total_generated_tokens, 16);

    // Again: the cached prompt is reused and the tokens are the same.
    let mut again = Vec::new();
    let stats = session
        .generate(&r.prompt_tokens, &greedy(16), |token, _| {
            again.extend(token);
            true
        })
        .unwrap();
    assert_eq!(again, r.greedy_tokens);
    assert_eq!(stats.reused_tokens, r.prompt_tokens.len() as u64 - 1);
    assert_eq!(session.last_stats().unwrap(), Some(stats));

    session.reset().unwrap();
    assert_eq!(session.telemetry().unwrap().cached_tokens, 0);
}

#[test]
fn sampling_with_a_seed_is_repeatable() {
    let prompt = reference().prompt_tokens;
    let params = GenerationParams {
        max_tokens: 12,
        seed: 7,
        stop_at_end_of_generation: false,
        ..Default::default()
    };
    let run = || {
        let mut session = engine().create_session(model(), 128).unwrap();
        let mut tokens = Vec::new();
        session
            .generate(&prompt, &params, |token, _| {
                tokens.extend(token);
                true
            })
            .unwrap();
        tokens
    };
    let first = run();
    assert_eq!(first.len(), 12);
    assert_eq!(first, run());
}

#[test]
fn evaluation_agrees_with_generation() {
    let r = reference();
    let logits = model().evaluate(&r.prompt_tokens).unwrap();
    assert_eq!(logits.len(), r.prompt_tokens.len() * 32000);
    let last = &logits[(r.prompt_tokens.len() - 1) * 32000..];
    let argmax = (0..last.len())
        .max_by(|&a, &b| last[a].total_cmp(&last[b]))
        .unwrap();
    assert_eq!(argmax as i32, r.greedy_tokens[0]);
}

#[test]
fn chat_uses_the_template() {
    let messages = [ChatMessage::system("Be brief."), ChatMessage::user("Hi")];
    assert_eq!(
        model().render_chat(&messages, true).unwrap(),
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    );
    assert!(model().chat_template().unwrap().contains("<|im_start|>"));
    let mut session = engine().create_session(model(), 128).unwrap();
    let mut n = 0;
    let stats = session
        .chat(&messages, &greedy(5), |token, _| {
            n += usize::from(token.is_some());
            true
        })
        .unwrap();
    assert_eq!((n, stats.generated_tokens), (5, 5));
}

#[test]
fn loading_reports_progress() {
    let mut fractions = Vec::new();
    let mut stages = Vec::new();
    let m = engine()
        .load_model_with(model_path(), None, |fraction, stage| {
            fractions.push(fraction);
            stages.push(stage.to_owned());
            true
        })
        .unwrap();
    assert!(fractions.len() >= 2);
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(fractions.last(), Some(&1.0));
    assert!(stages.iter().all(|s| !s.is_empty()));
    assert_eq!(m.info().unwrap().n_vocab, 32000);
}

#[test]
fn the_version_is_reported() {
    let version = hoard::version();
    assert_eq!(
        version
            .split('.')
            .filter(|p| p.parse::<u32>().is_ok())
            .count(),
        3,
        "{version}"
    );
}
