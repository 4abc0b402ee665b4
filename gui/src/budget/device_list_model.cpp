#include "budget/device_list_model.hpp"

#include "common/display_format.hpp"

#include <algorithm>

namespace hoard::gui {

DeviceListModel::DeviceListModel(QObject* parent) : QAbstractListModel(parent) {}

int DeviceListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(devices_.size());
}

QVariant DeviceListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DeviceInfo& d = devices_[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return d.name;
    case ApiRole:
        return d.api;
    case IsGpuRole:
        return d.kind == DeviceInfo::Kind::Gpu;
    case TotalRole:
        return formatBytes(d.totalBytes);
    case FreeRole:
        return formatBytes(d.freeBytes);
    case UsedFractionRole:
        return d.totalBytes
                   ? 1.0 - double(std::min(d.freeBytes, d.totalBytes)) / double(d.totalBytes)
                   : 0.0;
    case BandwidthRole:
        return d.memoryBytesPerSecond > 0
                   ? QStringLiteral("%1 GB/s").arg(d.memoryBytesPerSecond / 1e9, 0, 'f', 1)
                   : QString();
    default:
        return {};
    }
}

QHash<int, QByteArray> DeviceListModel::roleNames() const {
    return {{NameRole, "name"},          {ApiRole, "api"},   {IsGpuRole, "isGpu"},
            {TotalRole, "total"},        {FreeRole, "free"}, {UsedFractionRole, "usedFraction"},
            {BandwidthRole, "bandwidth"}};
}

void DeviceListModel::setDevices(std::vector<DeviceInfo> devices) {
    std::stable_partition(devices.begin(), devices.end(),
                          [](const DeviceInfo& d) { return d.kind == DeviceInfo::Kind::Gpu; });
    const auto before = devices_.size();
    beginResetModel();
    devices_ = std::move(devices);
    endResetModel();
    if (devices_.size() != before) emit countChanged();
}

const DeviceInfo* DeviceListModel::firstGpu() const {
    for (const auto& d : devices_)
        if (d.kind == DeviceInfo::Kind::Gpu) return &d;
    return nullptr;
}

const DeviceInfo* DeviceListModel::host() const {
    for (const auto& d : devices_)
        if (d.kind == DeviceInfo::Kind::Host) return &d;
    return nullptr;
}

} // namespace hoard::gui
