#pragma once
// The devices the budget planner found: GPUs Hoard computes on first, then
// GPUs it only lists (Vulkan), then system memory.
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
        UsableRole,     // Hoard computes on it
        DetailRole,     // compute capability, driver, PCI address
        MemoryTextRole, // "9.0 GB free of 12.0 GB" / "16.0 GB · free memory not reported"
        FreeKnownRole,  // the driver reported free memory (the usage bar is drawn)
        StatusRole,     // what Hoard does with it, for GPUs
    };
    Q_ENUM(Role)

    explicit DeviceListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Usable GPUs, other GPUs, then the host, each group in the probes' order.
    void setDevices(std::vector<DeviceInfo> devices);
    const std::vector<DeviceInfo>& devices() const { return devices_; }
    // The GPU plans are for: the first one Hoard computes on (null: none).
    const DeviceInfo* firstGpu() const;
    const DeviceInfo* host() const;
    size_t gpuCount() const; // every GPU, usable or not

  signals:
    void countChanged();

  private:
    std::vector<DeviceInfo> devices_;
};

} // namespace hoard::gui
