//! A loaded model: what it is, the memory it needs, its tokenizer, chat
//! template and evaluation.
use crate::error::{check, Result};
use crate::load_options::Backend;
use crate::owned::{borrowed_text, take_array, take_text};
use crate::sys;
use std::os::raw::c_char;
use std::ptr::{self, NonNull};

/// A loaded model.
///
/// `Send` and `Sync`: a model is immutable once loaded and hoard.h allows
/// every model function on any number of threads at once. It stays loaded
/// while a [`crate::Session`] uses it, even after this value is dropped.
pub struct Model {
    raw: NonNull<sys::hoard_model>,
}

// SAFETY: see the type's documentation.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    /// "system", "user" or "assistant".
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }
    pub fn system(content: impl Into<String>) -> ChatMessage {
        ChatMessage::new("system", content)
    }
    pub fn user(content: impl Into<String>) -> ChatMessage {
        ChatMessage::new("user", content)
    }
    pub fn assistant(content: impl Into<String>) -> ChatMessage {
        ChatMessage::new("assistant", content)
    }
}

/// Borrowed C views of messages, valid while `messages` lives.
pub(crate) fn c_messages(messages: &[ChatMessage]) -> Vec<sys::hoard_chat_message> {
    messages
        .iter()
        .map(|m| sys::hoard_chat_message {
            role: m.role.as_ptr() as *const c_char,
            role_len: m.role.len(),
            content: m.content.as_ptr() as *const c_char,
            content_len: m.content.len(),
        })
        .collect()
}

/// What a model is: shape, parameters and where its bytes go.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelInfo {
    pub path: String,
    pub architecture: String,
    pub name: String,
    /// False when the file has no chat template of its own (ChatML is used).
    pub has_chat_template: bool,
    pub n_layer: u64,
    pub n_embd: u64,
    pub n_head: u64,
    pub n_head_kv: u64,
    pub head_dim: u64,
    pub n_ff: u64,
    pub n_expert: u64,
    pub n_expert_used: u64,
    pub n_ff_expert: u64,
    pub n_vocab: u64,
    pub n_ctx_train: u64,
    /// The context a session gets when asked for 0.
    pub default_context: u64,
    pub parameters_total: u64,
    /// Used for one token: shared weights plus k of n experts.
    pub parameters_active: u64,
    pub parameters_expert: u64,
    pub bytes_non_expert: u64,
    pub bytes_expert: u64,
    pub bytes_token_embedding: u64,
    pub file_bytes: u64,
    pub bos_token: Option<i32>,
    pub eos_token: Option<i32>,
    /// How the weights divide between block formats, most bytes first.
    pub formats: Vec<FormatUsage>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatUsage {
    /// "f16", "q4_K", ...
    pub format: String,
    pub tensors: u64,
    pub parameters: u64,
    pub bytes: u64,
}

/// The memory a model needs at a context length (fields for the offload
/// planner will be added as it lands).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryPlan {
    pub n_ctx: u64,
    pub weight_bytes: u64,
    pub non_expert_bytes: u64,
    /// Routed experts: what offloading moves.
    pub expert_bytes: u64,
    pub kv_cache_bytes: u64,
    pub kv_bytes_per_token: u64,
    /// Weights plus the KV cache.
    pub total_bytes: u64,
}

fn token_option(token: i32) -> Option<i32> {
    if token >= 0 {
        Some(token)
    } else {
        None
    }
}

impl Model {
    pub(crate) fn from_raw(raw: NonNull<sys::hoard_model>) -> Model {
        Model { raw }
    }

    pub(crate) fn raw(&self) -> *const sys::hoard_model {
        self.raw.as_ptr()
    }

    pub fn info(&self) -> Result<ModelInfo> {
        let mut c = <sys::hoard_model_info as sys::ResultStruct>::empty();
        // SAFETY: a live handle and a result struct with its size set.
        check(unsafe { sys::hoard_model_get_info(self.raw(), &mut c) })?;
        let mut formats = Vec::new();
        for index in 0..c.n_formats as usize {
            let mut u = <sys::hoard_format_usage as sys::ResultStruct>::empty();
            // SAFETY: as above; index < n_formats.
            check(unsafe { sys::hoard_model_format_usage(self.raw(), index, &mut u) })?;
            formats.push(FormatUsage {
                // SAFETY: owned by the model, valid while it lives.
                format: unsafe { borrowed_text(u.format) },
                tensors: u.tensors,
                parameters: u.parameters,
                bytes: u.bytes,
            });
        }
        Ok(ModelInfo {
            // SAFETY: owned by the model, valid while it lives.
            path: unsafe { borrowed_text(c.path) },
            architecture: unsafe { borrowed_text(c.architecture) },
            name: unsafe { borrowed_text(c.name) },
            has_chat_template: c.has_chat_template != 0,
            n_layer: c.n_layer,
            n_embd: c.n_embd,
            n_head: c.n_head,
            n_head_kv: c.n_head_kv,
            head_dim: c.head_dim,
            n_ff: c.n_ff,
            n_expert: c.n_expert,
            n_expert_used: c.n_expert_used,
            n_ff_expert: c.n_ff_expert,
            n_vocab: c.n_vocab,
            n_ctx_train: c.n_ctx_train,
            default_context: c.default_context,
            parameters_total: c.parameters_total,
            parameters_active: c.parameters_active,
            parameters_expert: c.parameters_expert,
            bytes_non_expert: c.bytes_non_expert,
            bytes_expert: c.bytes_expert,
            bytes_token_embedding: c.bytes_token_embedding,
            file_bytes: c.file_bytes,
            bos_token: token_option(c.bos_token),
            eos_token: token_option(c.eos_token),
            formats,
        })
    }

    /// Where the model runs: [`Backend::Cpu`] or [`Backend::Cuda`] (never
    /// `Auto`: what `Auto` chose).
    pub fn backend(&self) -> Result<Backend> {
        let mut backend = sys::HOARD_BACKEND_AUTO;
        // SAFETY: a live handle and a valid out-pointer.
        check(unsafe { sys::hoard_model_backend(self.raw(), &mut backend) })?;
        Backend::from_c(backend)
    }

    /// The same in words: the GPU and how it holds the model, or the CPU and
    /// why the GPU was not used. For people to read, not to parse.
    pub fn backend_description(&self) -> Result<String> {
        let (mut text, mut len) = (ptr::null_mut(), 0usize);
        // SAFETY: valid out-pointers.
        check(unsafe { sys::hoard_model_backend_description(self.raw(), &mut text, &mut len) })?;
        // SAFETY: a string of len bytes from the library.
        Ok(unsafe { take_text(text, len) })
    }

    /// The memory the model needs with a KV cache of `n_ctx` tokens (0: the
    /// default context).
    pub fn plan_memory(&self, n_ctx: u64) -> Result<MemoryPlan> {
        let mut c = <sys::hoard_memory_plan as sys::ResultStruct>::empty();
        // SAFETY: a live handle and a result struct with its size set.
        check(unsafe { sys::hoard_model_plan_memory(self.raw(), n_ctx, &mut c) })?;
        Ok(MemoryPlan {
            n_ctx: c.n_ctx,
            weight_bytes: c.weight_bytes,
            non_expert_bytes: c.non_expert_bytes,
            expert_bytes: c.expert_bytes,
            kv_cache_bytes: c.kv_cache_bytes,
            kv_bytes_per_token: c.kv_bytes_per_token,
            total_bytes: c.total_bytes,
        })
    }

    /// `add_special`: BOS/EOS as the model's metadata says; `parse_special`:
    /// turn special-token text such as "<|im_end|>" into its token.
    pub fn tokenize(&self, text: &str, add_special: bool, parse_special: bool) -> Result<Vec<i32>> {
        self.tokenize_bytes(text.as_bytes(), add_special, parse_special)
    }

    /// As [`Model::tokenize`] for bytes of unchecked encoding: the library
    /// rejects invalid UTF-8 with [`crate::ErrorCode::InvalidUtf8`].
    pub fn tokenize_bytes(
        &self,
        text: &[u8],
        add_special: bool,
        parse_special: bool,
    ) -> Result<Vec<i32>> {
        let (mut tokens, mut n) = (ptr::null_mut(), 0usize);
        // SAFETY: text.len() readable bytes; valid out-pointers.
        check(unsafe {
            sys::hoard_model_tokenize(
                self.raw(),
                text.as_ptr() as *const c_char,
                text.len(),
                add_special,
                parse_special,
                &mut tokens,
                &mut n,
            )
        })?;
        // SAFETY: an array of n tokens from the library.
        Ok(unsafe { take_array(tokens, n) })
    }

    pub fn detokenize(&self, tokens: &[i32]) -> Result<String> {
        let (mut text, mut len) = (ptr::null_mut(), 0usize);
        // SAFETY: tokens.len() readable tokens; valid out-pointers.
        check(unsafe {
            sys::hoard_model_detokenize(
                self.raw(),
                tokens.as_ptr(),
                tokens.len(),
                &mut text,
                &mut len,
            )
        })?;
        // SAFETY: a string of len bytes from the library.
        Ok(unsafe { take_text(text, len) })
    }

    /// The vocabulary entry of one token, as stored.
    pub fn token_text(&self, token: i32) -> Result<String> {
        let (mut text, mut len) = (ptr::null_mut(), 0usize);
        // SAFETY: valid out-pointers.
        check(unsafe { sys::hoard_model_token_text(self.raw(), token, &mut text, &mut len) })?;
        // SAFETY: as above.
        Ok(unsafe { take_text(text, len) })
    }

    /// The model's chat template (Jinja source), or ChatML's when it has none.
    pub fn chat_template(&self) -> Result<String> {
        let (mut text, mut len) = (ptr::null_mut(), 0usize);
        // SAFETY: valid out-pointers.
        check(unsafe { sys::hoard_model_chat_template(self.raw(), &mut text, &mut len) })?;
        // SAFETY: as above.
        Ok(unsafe { take_text(text, len) })
    }

    /// The conversation as the model's template writes it.
    pub fn render_chat(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String> {
        let c = c_messages(messages);
        let (mut text, mut len) = (ptr::null_mut(), 0usize);
        // SAFETY: c borrows `messages` for the call; valid out-pointers.
        check(unsafe {
            sys::hoard_model_render_chat(
                self.raw(),
                c.as_ptr(),
                c.len(),
                add_generation_prompt,
                &mut text,
                &mut len,
            )
        })?;
        // SAFETY: as above.
        Ok(unsafe { take_text(text, len) })
    }

    /// Logits of every position of `tokens` evaluated as one sequence,
    /// row-major `tokens.len() × n_vocab`.
    pub fn evaluate(&self, tokens: &[i32]) -> Result<Vec<f32>> {
        let (mut logits, mut n) = (ptr::null_mut(), 0usize);
        // SAFETY: tokens.len() readable tokens; valid out-pointers.
        check(unsafe {
            sys::hoard_model_evaluate(
                self.raw(),
                tokens.as_ptr(),
                tokens.len(),
                &mut logits,
                &mut n,
            )
        })?;
        // SAFETY: an array of n floats from the library.
        Ok(unsafe { take_array(logits, n) })
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: freed once; sessions keep the model itself alive.
        unsafe { sys::hoard_model_free(self.raw.as_ptr()) };
    }
}
