#include "chat/conversation_list_model.hpp"

#include <QFileInfo>
#include <QLocale>

namespace hoard::gui {
namespace {

QString whenText(const QDateTime& time) {
    const QDateTime now = QDateTime::currentDateTime();
    if (time.date() == now.date()) return QLocale().toString(time.time(), QLocale::ShortFormat);
    return QLocale().toString(time.date(), QLocale::ShortFormat);
}

} // namespace

ConversationListModel::ConversationListModel(const ConversationStore& store, QObject* parent)
    : QAbstractListModel(parent), store_(store) {
    refresh();
}

int ConversationListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

QVariant ConversationListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StoredConversation& c = rows_[index.row()];
    switch (role) {
    case ConversationIdRole:
        return c.id;
    case Qt::DisplayRole:
    case TitleRole:
        return c.title.isEmpty() ? tr("New conversation") : c.title;
    case UpdatedRole:
        return whenText(c.updatedAt);
    case ModelRole:
        return QFileInfo(c.modelPath).completeBaseName();
    default:
        return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
    return {{ConversationIdRole, "conversationId"},
            {TitleRole, "title"},
            {UpdatedRole, "updated"},
            {ModelRole, "model"}};
}

void ConversationListModel::refresh() {
    const auto before = rows_.size();
    beginResetModel();
    rows_ = store_.conversations();
    endResetModel();
    if (rows_.size() != before) emit countChanged();
}

int ConversationListModel::rowOf(qint64 conversationId) const {
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_[i].id == conversationId) return i;
    return -1;
}

qint64 ConversationListModel::idAt(int row) const {
    return row >= 0 && row < rows_.size() ? rows_[row].id : 0;
}

} // namespace hoard::gui
