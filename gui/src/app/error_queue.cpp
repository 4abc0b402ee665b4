#include "app/error_queue.hpp"

namespace hoard::gui {

void ErrorQueue::push(const QString& message) {
    if (message.trimmed().isEmpty() || messages_.contains(message)) return;
    if (messages_.size() >= kMaxQueued) messages_.removeLast();
    messages_.append(message);
    emit changed();
}

void ErrorQueue::dismiss() {
    if (messages_.isEmpty()) return;
    messages_.removeFirst();
    emit changed();
}

void ErrorQueue::clear() {
    if (messages_.isEmpty()) return;
    messages_.clear();
    emit changed();
}

} // namespace hoard::gui
