// The public Session handle: one conversation.
#include "api/model_handle.hpp"

namespace hoard {

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

GenerationStats Session::generate(std::span<const int32_t> prompt, const GenerationParams& params,
                                  const TokenCallback& on_token) {
    cancel_.store(false);
    return impl_->session.generate(prompt, params, on_token, &cancel_);
}

GenerationStats Session::chat(const std::vector<ChatMessage>& messages,
                              const GenerationParams& params, const TokenCallback& on_token) {
    return generate(impl_->model->tokenize_chat(messages, true), params, on_token);
}

void Session::reset() {
    impl_->session.reset();
}
size_t Session::context_size() const {
    return impl_->session.context_size();
}
size_t Session::cached_tokens() const {
    return impl_->session.tokens().size();
}
const Model& Session::model() const {
    return *impl_->model;
}

} // namespace hoard
