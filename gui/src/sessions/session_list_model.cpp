#include "sessions/session_list_model.hpp"

#include "common/display_format.hpp"

#include <QLocale>

namespace hoard::gui {

SessionListModel::SessionListModel(QObject* parent) : QAbstractListModel(parent) {}

int SessionListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

QVariant SessionListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SessionSummary& s = rows_[index.row()];
    switch (role) {
    case SessionIdRole:
        return s.id;
    case Qt::DisplayRole:
    case ModelNameRole:
        return s.modelName;
    case StartedRole:
        return QLocale().toString(s.startedAt, QLocale::ShortFormat);
    case DurationRole:
        return formatDuration(s.seconds);
    case TokensRole:
        return tr("%1 in · %2 out").arg(s.promptTokens).arg(s.generatedTokens);
    case SpeedRole:
        return s.tokensPerSecond > 0 ? QStringLiteral("%1 tok/s").arg(s.tokensPerSecond, 0, 'f', 1)
                                     : QStringLiteral("–");
    case HitRateRole:
        return s.hitRate ? formatPercent(*s.hitRate) : QStringLiteral("–");
    case StatusRole:
        return s.status;
    case HasLayerStatsRole:
        return s.hasLayerStats;
    default:
        return {};
    }
}

QHash<int, QByteArray> SessionListModel::roleNames() const {
    return {{SessionIdRole, "sessionId"},
            {ModelNameRole, "modelName"},
            {StartedRole, "started"},
            {DurationRole, "duration"},
            {TokensRole, "tokens"},
            {SpeedRole, "speed"},
            {HitRateRole, "hitRate"},
            {StatusRole, "status"},
            {HasLayerStatsRole, "hasLayerStats"}};
}

void SessionListModel::setSessions(const QList<SessionSummary>& sessions) {
    const auto before = rows_.size();
    beginResetModel();
    rows_ = sessions;
    endResetModel();
    if (rows_.size() != before) emit countChanged();
}

int SessionListModel::rowOf(qint64 sessionId) const {
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_[i].id == sessionId) return i;
    return -1;
}

qint64 SessionListModel::idAt(int row) const {
    return row >= 0 && row < rows_.size() ? rows_[row].id : 0;
}

QVariantMap SessionListModel::describe(qint64 sessionId) const {
    const int row = rowOf(sessionId);
    return row < 0 ? QVariantMap() : describe(rows_[row]);
}

QVariantMap SessionListModel::describe(const SessionSummary& s) {
    return {{"sessionId", s.id},
            {"modelName", s.modelName},
            {"started", QLocale().toString(s.startedAt, QLocale::ShortFormat)},
            {"duration", formatDuration(s.seconds)},
            {"tokens", tr("%1 in · %2 out").arg(s.promptTokens).arg(s.generatedTokens)},
            {"speed", s.tokensPerSecond > 0
                          ? QStringLiteral("%1 tok/s").arg(s.tokensPerSecond, 0, 'f', 1)
                          : QStringLiteral("–")},
            {"hitRate", s.hitRate ? formatPercent(*s.hitRate) : QStringLiteral("–")},
            {"status", s.status},
            {"hasLayerStats", s.hasLayerStats},
            {"timeToFirstToken",
             s.timeToFirstToken > 0 ? formatDuration(s.timeToFirstToken) : QStringLiteral("–")},
            {"error", s.error}};
}

} // namespace hoard::gui
