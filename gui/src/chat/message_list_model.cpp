#include "chat/message_list_model.hpp"

#include "common/display_format.hpp"

namespace hoard::gui {
namespace {

QString statsLine(const StoredMessage& m) {
    QStringList parts;
    if (m.generatedTokens) parts << QObject::tr("%n token(s)", nullptr, int(*m.generatedTokens));
    if (m.tokensPerSecond && *m.tokensPerSecond > 0)
        parts << QStringLiteral("%1 tok/s").arg(*m.tokensPerSecond, 0, 'f', 1);
    if (m.timeToFirstToken && *m.timeToFirstToken >= 0)
        parts << QObject::tr("first token %1").arg(formatDuration(*m.timeToFirstToken));
    if (!m.stopReason.isEmpty() && m.stopReason != QStringLiteral("end of generation"))
        parts << m.stopReason;
    return parts.join(QStringLiteral(" · "));
}

} // namespace

MessageListModel::MessageListModel(QObject* parent) : QAbstractListModel(parent) {}

int MessageListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = rows_[index.row()];
    const StoredMessage& m = row.message;
    switch (role) {
    case MessageIdRole:
        return m.id;
    case RoleRole:
        return m.role;
    case Qt::DisplayRole:
    case ContentRole:
        return m.content;
    case StreamingRole:
        return row.streaming;
    case TokensPerSecondRole:
        return m.tokensPerSecond.value_or(-1.0);
    case TimeToFirstTokenRole:
        return m.timeToFirstToken.value_or(-1.0);
    case GeneratedTokensRole:
        return m.generatedTokens.value_or(0);
    case StopReasonRole:
        return m.stopReason;
    case ErrorRole:
        return row.error;
    case StatsRole:
        return statsLine(m);
    case SessionIdRole:
        return m.sessionId.value_or(0);
    default:
        return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
    return {{MessageIdRole, "messageId"},
            {RoleRole, "role"},
            {ContentRole, "content"},
            {StreamingRole, "streaming"},
            {TokensPerSecondRole, "tokensPerSecond"},
            {TimeToFirstTokenRole, "timeToFirstToken"},
            {GeneratedTokensRole, "generatedTokens"},
            {StopReasonRole, "stopReason"},
            {ErrorRole, "error"},
            {StatsRole, "stats"},
            {SessionIdRole, "sessionId"}};
}

void MessageListModel::setMessages(const QList<StoredMessage>& messages) {
    const auto before = rows_.size();
    beginResetModel();
    rows_.clear();
    for (const auto& m : messages)
        if (m.role != QStringLiteral("system")) rows_.append({m, false, {}});
    endResetModel();
    if (rows_.size() != before) emit countChanged();
}

int MessageListModel::rowOfMessage(qint64 id) const {
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_[i].message.id == id) return i;
    return -1;
}

void MessageListModel::beginStreaming() {
    const int row = int(rows_.size());
    beginInsertRows({}, row, row);
    Row r;
    r.message.role = QStringLiteral("assistant");
    r.streaming = true;
    rows_.append(r);
    endInsertRows();
    emit countChanged();
}

void MessageListModel::appendStreamed(const QString& text, qint64 generatedTokens,
                                      double tokensPerSecond, double timeToFirstToken) {
    if (!streaming()) return;
    StoredMessage& m = rows_.last().message;
    m.content += text;
    m.generatedTokens = generatedTokens;
    if (tokensPerSecond > 0) m.tokensPerSecond = tokensPerSecond;
    if (timeToFirstToken >= 0) m.timeToFirstToken = timeToFirstToken;
    const QModelIndex last = index(int(rows_.size()) - 1);
    emit dataChanged(last, last);
}

void MessageListModel::finishStreaming(const StoredMessage& reply) {
    if (!streaming()) return;
    rows_.last() = {reply, false, {}};
    const QModelIndex last = index(int(rows_.size()) - 1);
    emit dataChanged(last, last);
}

void MessageListModel::failStreaming(const QString& error) {
    if (!streaming()) return;
    rows_.last().streaming = false;
    rows_.last().error = error;
    const QModelIndex last = index(int(rows_.size()) - 1);
    emit dataChanged(last, last);
}

QVariantMap MessageListModel::get(int row) const {
    QVariantMap map;
    if (row < 0 || row >= rows_.size()) return map;
    const auto names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it)
        map.insert(QString::fromLatin1(it.value()), data(index(row), it.key()));
    return map;
}

} // namespace hoard::gui
