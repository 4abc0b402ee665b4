#include "models/model_list_model.hpp"

#include "common/display_format.hpp"

#include <QFileInfo>
#include <QVariantMap>

namespace hoard::gui {
namespace {

QString fileNameOf(const QString& path) {
    return QFileInfo(path).fileName();
}

bool sortsBefore(const ModelEntry& a, const ModelEntry& b) {
    if (a.bundled != b.bundled) return a.bundled;
    const int by_name =
        QString::compare(fileNameOf(a.path), fileNameOf(b.path), Qt::CaseInsensitive);
    if (by_name != 0) return by_name < 0;
    return a.path < b.path;
}

QString displayName(const ModelEntry& e) {
    if (e.summary && !e.summary->name.empty()) return QString::fromStdString(e.summary->name);
    return QFileInfo(e.path).completeBaseName();
}

QString parametersText(const hoard::ModelSummary& s) {
    QString text = formatCount(s.parameters_total);
    if (s.parameters_active && s.parameters_active < s.parameters_total)
        text += QStringLiteral(" · %1 active").arg(formatCount(s.parameters_active));
    return text;
}

QString expertsText(const hoard::ModelSummary& s) {
    if (s.n_expert == 0) return QStringLiteral("dense (no experts)");
    return QStringLiteral("%1 experts · %2 per token").arg(s.n_expert).arg(s.n_expert_used);
}

uint64_t totalFormatBytes(const hoard::ModelSummary& s) {
    uint64_t total = 0;
    for (const auto& f : s.formats) total += f.bytes;
    return total;
}

QString quantizationText(const hoard::ModelSummary& s) {
    const uint64_t total = totalFormatBytes(s);
    QStringList parts;
    for (const auto& f : s.formats) {
        if (parts.size() == 3) break;
        parts << QStringLiteral("%1 %2").arg(
            QString::fromStdString(f.format),
            formatPercent(total ? double(f.bytes) / double(total) : 0));
    }
    return parts.join(QStringLiteral(" · "));
}

QVariantList quantMix(const hoard::ModelSummary& s) {
    const uint64_t total = totalFormatBytes(s);
    QVariantList mix;
    for (const auto& f : s.formats)
        mix << QVariantMap{{"format", QString::fromStdString(f.format)},
                           {"share", total ? double(f.bytes) / double(total) : 0.0},
                           {"bytes", formatBytes(f.bytes)}};
    return mix;
}

} // namespace

ModelListModel::ModelListModel(QObject* parent) : QAbstractListModel(parent) {}

int ModelListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(entries_.size());
}

QVariant ModelListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ModelEntry& e = entries_[index.row()];
    const hoard::ModelSummary* s = e.summary ? &*e.summary : nullptr;
    switch (role) {
    case Qt::DisplayRole:
    case DisplayNameRole:
        return displayName(e);
    case PathRole:
        return e.path;
    case FileNameRole:
        return fileNameOf(e.path);
    case ArchitectureRole:
        return s ? QString::fromStdString(s->architecture) : QString();
    case ParametersRole:
        return s ? parametersText(*s) : QString();
    case ExpertsRole:
        return s ? expertsText(*s) : QString();
    case LayersRole:
        return s ? int(s->n_layer) : 0;
    case ContextRole:
        return s ? qint64(s->n_ctx_train) : 0;
    case QuantizationRole:
        return s ? quantizationText(*s) : QString();
    case QuantMixRole:
        return s ? quantMix(*s) : QVariantList();
    case FileSizeRole:
        return formatBytes(e.fileBytes);
    case FileBytesRole:
        return qint64(e.fileBytes);
    case StateRole:
        return QString::fromLatin1(modelStateName(e.state));
    case ReasonRole:
        return e.reason;
    case BundledRole:
        return e.bundled;
    case RunnableRole:
        return e.state != ModelEntry::State::Unrunnable;
    default:
        return {};
    }
}

QHash<int, QByteArray> ModelListModel::roleNames() const {
    return {{PathRole, "path"},
            {FileNameRole, "fileName"},
            {DisplayNameRole, "displayName"},
            {ArchitectureRole, "architecture"},
            {ParametersRole, "parameters"},
            {ExpertsRole, "experts"},
            {LayersRole, "layers"},
            {ContextRole, "contextLength"},
            {QuantizationRole, "quantization"},
            {QuantMixRole, "quantMix"},
            {FileSizeRole, "fileSize"},
            {FileBytesRole, "fileBytes"},
            {StateRole, "state"},
            {ReasonRole, "reason"},
            {BundledRole, "bundled"},
            {RunnableRole, "runnable"}};
}

int ModelListModel::indexOf(const QString& path) const {
    for (int i = 0; i < entries_.size(); ++i)
        if (entries_[i].path == path) return i;
    return -1;
}

const ModelEntry* ModelListModel::find(const QString& path) const {
    const int row = indexOf(path);
    return row < 0 ? nullptr : &entries_[row];
}

int ModelListModel::sortedRow(const ModelEntry& entry) const {
    int row = 0;
    while (row < entries_.size() && sortsBefore(entries_[row], entry)) ++row;
    return row;
}

int ModelListModel::upsert(const ModelEntry& entry) {
    const int existing = indexOf(entry.path);
    if (existing >= 0) {
        const bool same_place = entries_[existing].bundled == entry.bundled;
        if (same_place) {
            entries_[existing] = entry;
            emit dataChanged(index(existing), index(existing));
            return existing;
        }
        beginRemoveRows({}, existing, existing);
        entries_.removeAt(existing);
        endRemoveRows();
    }
    const int row = sortedRow(entry);
    beginInsertRows({}, row, row);
    entries_.insert(row, entry);
    endInsertRows();
    emit countChanged();
    return row;
}

bool ModelListModel::update(const QString& path, const std::function<void(ModelEntry&)>& change) {
    const int row = indexOf(path);
    if (row < 0) return false;
    change(entries_[row]);
    entries_[row].path = path;
    emit dataChanged(index(row), index(row));
    return true;
}

void ModelListModel::removeIf(const std::function<bool(const ModelEntry&)>& drop) {
    bool removed = false;
    for (int row = int(entries_.size()) - 1; row >= 0; --row) {
        if (!drop(entries_[row])) continue;
        beginRemoveRows({}, row, row);
        entries_.removeAt(row);
        endRemoveRows();
        removed = true;
    }
    if (removed) emit countChanged();
}

QVariantMap ModelListModel::get(int row) const {
    QVariantMap map;
    if (row < 0 || row >= entries_.size()) return map;
    const auto names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it)
        map.insert(QString::fromLatin1(it.value()), data(index(row), it.key()));
    return map;
}

} // namespace hoard::gui
