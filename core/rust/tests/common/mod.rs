//! Shared by the integration tests: where the reference data is, the few
//! numbers and strings they need from its JSON (read by hand: no serde), and
//! one engine and model for the tests that only read them.
#![allow(dead_code)]

use hoard::{Engine, Model};
use std::path::PathBuf;
use std::sync::Mutex;

pub fn conformance_path(relative: &str) -> PathBuf {
    let dir = match std::env::var_os("HOARD_CONFORMANCE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/conformance"
        )),
    };
    dir.join(relative)
}

pub fn model_path() -> PathBuf {
    conformance_path("models/tiny-mixtral-f16.gguf")
}

/// Made once and kept for the whole test run.
fn shared<T>(slot: &Mutex<Option<&'static T>>, make: impl FnOnce() -> T) -> &'static T {
    let mut value = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    value.get_or_insert_with(|| Box::leak(Box::new(make())))
}

pub fn engine() -> &'static Engine {
    static ENGINE: Mutex<Option<&'static Engine>> = Mutex::new(None);
    shared(&ENGINE, || Engine::new().expect("an engine"))
}

pub fn model() -> &'static Model {
    static MODEL: Mutex<Option<&'static Model>> = Mutex::new(None);
    shared(&MODEL, || {
        engine()
            .load_model(model_path())
            .unwrap_or_else(|e| panic!("loading {}: {e}", model_path().display()))
    })
}

/// The reference for tiny-mixtral-f16 and prompt p1.
pub struct Reference {
    pub prompt_text: String,
    pub prompt_tokens: Vec<i32>,
    pub greedy_tokens: Vec<i32>,
    pub greedy_text: String,
}

pub fn reference() -> Reference {
    let json_path = conformance_path("models/tiny-mixtral-f16.p1.json");
    let json = std::fs::read_to_string(&json_path)
        .unwrap_or_else(|e| panic!("{}: {e}", json_path.display()));
    let prompt_path = conformance_path("models/p1.txt");
    Reference {
        prompt_text: std::fs::read_to_string(&prompt_path)
            .unwrap_or_else(|e| panic!("{}: {e}", prompt_path.display())),
        prompt_tokens: int_array(&json, "prompt_tokens"),
        greedy_tokens: int_array(&json, "greedy_tokens"),
        greedy_text: string_value(&json, "greedy_text"),
    }
}

/// The text just after `"key":`.
fn value_of<'a>(json: &'a str, key: &str) -> &'a str {
    let quoted = format!("\"{key}\"");
    let at = json
        .find(&quoted)
        .unwrap_or_else(|| panic!("no {key} in the reference"));
    let rest = &json[at + quoted.len()..];
    rest[rest.find(':').expect("a colon after the key") + 1..].trim_start()
}

pub fn int_array(json: &str, key: &str) -> Vec<i32> {
    let value = value_of(json, key);
    let body = &value[1..value.find(']').expect("a closing bracket")];
    body.split(',')
        .map(|n| n.trim().parse().expect("an integer"))
        .collect()
}

pub fn string_value(json: &str, key: &str) -> String {
    let mut chars = value_of(json, key)
        .strip_prefix('"')
        .expect("a string")
        .chars();
    let mut out = String::new();
    let mut pending_high: Option<u32> = None;
    while let Some(c) = chars.next() {
        match c {
            '"' => return out,
            '\\' => match chars.next().expect("an escape") {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let unit = u32::from_str_radix(&hex, 16).expect("four hex digits");
                    if (0xD800..0xDC00).contains(&unit) {
                        pending_high = Some(unit);
                    } else if let Some(high) = pending_high.take() {
                        let cp = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00);
                        out.push(char::from_u32(cp).expect("a code point"));
                    } else {
                        out.push(char::from_u32(unit).expect("a code point"));
                    }
                }
                other => out.push(other), // \" \\ \/
            },
            c => out.push(c),
        }
    }
    panic!("unterminated string for {key}");
}
