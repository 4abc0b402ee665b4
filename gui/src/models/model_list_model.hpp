#pragma once
// The Models screen's list: every GGUF file found or opened, bundled model
// first, then by file name.
#include "models/model_entry.hpp"

#include <QAbstractListModel>
#include <QList>
#include <QtQml/qqmlregistration.h>

#include <functional>

namespace hoard::gui {

class ModelListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("The model list belongs to the model library")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

  public:
    enum Role {
        PathRole = Qt::UserRole + 1,
        FileNameRole,
        DisplayNameRole,
        ArchitectureRole,
        ParametersRole,
        ExpertsRole,
        LayersRole,
        ContextRole,
        QuantizationRole,
        QuantMixRole,
        FileSizeRole,
        FileBytesRole,
        StateRole,
        ReasonRole,
        BundledRole,
        RunnableRole,
    };
    Q_ENUM(Role)

    explicit ModelListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    const QList<ModelEntry>& entries() const { return entries_; }
    int indexOf(const QString& path) const;
    const ModelEntry* find(const QString& path) const;
    // Adds the entry, or replaces the one with the same path; returns its row.
    int upsert(const ModelEntry& entry);
    // Changes the entry in place (not its path); false when absent.
    bool update(const QString& path, const std::function<void(ModelEntry&)>& change);
    // Removes entries for which `drop` is true.
    void removeIf(const std::function<bool(const ModelEntry&)>& drop);

    Q_INVOKABLE QVariantMap get(int row) const;

  signals:
    void countChanged();

  private:
    int sortedRow(const ModelEntry& entry) const;

    QList<ModelEntry> entries_;
};

} // namespace hoard::gui
