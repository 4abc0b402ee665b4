#pragma once
// Conversations kept in the profiling store's database (hoard/profiling.hpp),
// next to the sessions that produced their replies, so they survive a
// restart. Store errors (a full disk, a read-only folder) go to `onError`
// and the call returns nothing instead of throwing into the GUI.
#include "chat/conversation_store.hpp"

#include "hoard/profiling.hpp"

#include <functional>
#include <memory>

namespace hoard::gui {

class ProfileConversationStore : public ConversationStore {
  public:
    explicit ProfileConversationStore(std::shared_ptr<hoard::ProfileStore> store,
                                      std::function<void(const QString&)> onError = {});

    QList<StoredConversation> conversations() const override;
    std::optional<StoredConversation> conversation(qint64 id) const override;
    qint64 createConversation(const StoredConversation& conversation) override;
    void updateConversation(const StoredConversation& conversation) override;
    bool deleteConversation(qint64 id) override;
    QList<StoredMessage> messages(qint64 conversationId) const override;
    qint64 addMessage(const StoredMessage& message) override;
    int truncateFrom(qint64 messageId) override;

  private:
    template <typename F, typename R> R guarded(F&& f, R fallback) const;

    std::shared_ptr<hoard::ProfileStore> store_;
    std::function<void(const QString&)> on_error_;
};

} // namespace hoard::gui
