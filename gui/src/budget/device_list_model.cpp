#include "budget/device_list_model.hpp"

#include "common/display_format.hpp"

#include <algorithm>

namespace hoard::gui {
namespace {

bool freeKnown(const DeviceInfo& d) {
    return d.freeBytes > 0 || d.totalBytes == 0;
}

// Usable GPUs first, then GPUs Hoard only lists, then the host.
int listRank(const DeviceInfo& d) {
    if (d.kind == DeviceInfo::Kind::Host) return 2;
    return d.usable ? 0 : 1;
}

} // namespace

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
        return d.totalBytes && freeKnown(d)
                   ? 1.0 - double(std::min(d.freeBytes, d.totalBytes)) / double(d.totalBytes)
                   : 0.0;
    case BandwidthRole:
        return d.memoryBytesPerSecond > 0
                   ? QStringLiteral("%1 GB/s").arg(d.memoryBytesPerSecond / 1e9, 0, 'f', 1)
                   : QString();
    case UsableRole:
        return d.usable;
    case DetailRole:
        return d.detail;
    case MemoryTextRole:
        return freeKnown(d)
                   ? tr("%1 free of %2").arg(formatBytes(d.freeBytes), formatBytes(d.totalBytes))
                   : tr("%1 · free memory not reported").arg(formatBytes(d.totalBytes));
    case FreeKnownRole:
        return freeKnown(d);
    case StatusRole:
        if (d.kind == DeviceInfo::Kind::Host) return QString();
        return d.usable ? tr("Hoard computes on this GPU")
                        : tr("Detected — Hoard computes on CUDA or the CPU for now");
    default:
        return {};
    }
}

QHash<int, QByteArray> DeviceListModel::roleNames() const {
    return {{NameRole, "name"},           {ApiRole, "api"},
            {IsGpuRole, "isGpu"},         {TotalRole, "total"},
            {FreeRole, "free"},           {UsedFractionRole, "usedFraction"},
            {BandwidthRole, "bandwidth"}, {UsableRole, "usable"},
            {DetailRole, "detail"},       {MemoryTextRole, "memoryText"},
            {FreeKnownRole, "freeKnown"}, {StatusRole, "status"}};
}

void DeviceListModel::setDevices(std::vector<DeviceInfo> devices) {
    std::stable_sort(devices.begin(), devices.end(), [](const DeviceInfo& a, const DeviceInfo& b) {
        return listRank(a) < listRank(b);
    });
    const auto before = devices_.size();
    beginResetModel();
    devices_ = std::move(devices);
    endResetModel();
    if (devices_.size() != before) emit countChanged();
}

const DeviceInfo* DeviceListModel::firstGpu() const {
    for (const auto& d : devices_)
        if (d.kind == DeviceInfo::Kind::Gpu && d.usable) return &d;
    return nullptr;
}

size_t DeviceListModel::gpuCount() const {
    return size_t(std::count_if(devices_.begin(), devices_.end(), [](const DeviceInfo& d) {
        return d.kind == DeviceInfo::Kind::Gpu;
    }));
}

const DeviceInfo* DeviceListModel::host() const {
    for (const auto& d : devices_)
        if (d.kind == DeviceInfo::Kind::Host) return &d;
    return nullptr;
}

} // namespace hoard::gui
