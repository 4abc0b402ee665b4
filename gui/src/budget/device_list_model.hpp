#pragma once
// The devices the budget planner found (GPUs first, then system memory).
#include "budget/device_probe.hpp"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class DeviceListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Part of the budget planner")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

  public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        ApiRole,
        IsGpuRole,
        TotalRole,
        FreeRole,
        UsedFractionRole,
        BandwidthRole,
    };
    Q_ENUM(Role)

    explicit DeviceListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // GPUs are listed before the host, each group in the probes' order.
    void setDevices(std::vector<DeviceInfo> devices);
    const std::vector<DeviceInfo>& devices() const { return devices_; }
    const DeviceInfo* firstGpu() const;
    const DeviceInfo* host() const;

  signals:
    void countChanged();

  private:
    std::vector<DeviceInfo> devices_;
};

} // namespace hoard::gui
