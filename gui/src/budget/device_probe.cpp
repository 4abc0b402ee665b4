#include "budget/device_probe.hpp"

#include "hoard/tools.hpp"

#include <QFile>
#include <QStringList>
#include <QSysInfo>
#include <QThread>

namespace hoard::gui {
namespace {

QByteArray readSmallFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.read(1 << 20);
}

} // namespace

MemInfo parseMemInfo(const QByteArray& text) {
    MemInfo info;
    for (const QByteArray& line : text.split('\n')) {
        const auto parts = line.simplified().split(' ');
        if (parts.size() < 2) continue;
        bool ok = false;
        const uint64_t kib = parts[1].toULongLong(&ok);
        if (!ok) continue;
        if (parts[0] == "MemTotal:") info.totalBytes = kib * 1024;
        if (parts[0] == "MemAvailable:") info.availableBytes = kib * 1024;
    }
    return info;
}

QString parseCpuName(const QByteArray& cpuinfo) {
    for (const QByteArray& line : cpuinfo.split('\n')) {
        if (!line.startsWith("model name")) continue;
        const auto colon = line.indexOf(':');
        if (colon >= 0) return QString::fromUtf8(line.mid(colon + 1)).simplified();
    }
    return {};
}

std::vector<DeviceInfo> HostDeviceProbe::probe() {
    DeviceInfo host;
    host.kind = DeviceInfo::Kind::Host;
    host.api = QStringLiteral("system memory");
    host.name = parseCpuName(readSmallFile(QStringLiteral("/proc/cpuinfo")));
    if (host.name.isEmpty())
        host.name = QSysInfo::currentCpuArchitecture() + QStringLiteral(" CPU");
    host.name += QStringLiteral(" · %1 threads").arg(QThread::idealThreadCount());
    const MemInfo mem = parseMemInfo(readSmallFile(QStringLiteral("/proc/meminfo")));
    host.totalBytes = mem.totalBytes;
    host.freeBytes = mem.availableBytes;
    if (measure_) {
        try {
            host.memoryBytesPerSecond = hoard::measure_memory_bandwidth();
        } catch (const std::exception&) {
            host.memoryBytesPerSecond = 0; // the planner then says it has no figure
        }
    }
    return {host};
}

std::vector<DeviceInfo> CompositeDeviceProbe::probe() {
    std::vector<DeviceInfo> all;
    for (const auto& p : probes_) {
        auto found = p->probe();
        all.insert(all.end(), found.begin(), found.end());
    }
    return all;
}

QString CompositeDeviceProbe::notes() const {
    QStringList notes;
    for (const auto& p : probes_)
        if (QString note = p->notes(); !note.isEmpty()) notes << note;
    return notes.join(QLatin1Char(' '));
}

} // namespace hoard::gui
