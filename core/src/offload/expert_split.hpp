#pragma once
// Split experts (decode). Fiddler's rule sends a missing expert to the CPU,
// which reads it from host memory while the link idles; a split expert also
// puts the link to work: the CPU computes rows [0, r) of gate and up and the
// same columns of down, while rows [r, n_ff) and their down columns go over
// the link at once and the device computes them; the two partial outputs add
// up to the expert's (down's columns split its sum). The device's share
// balances the two from where each stands in the layer's queue, so a token's
// missing bytes stream at the CPU's and the link's rates together.
//
// Header-only: the CUDA backend (which does not link the offload layer) lays
// out the device part with the same arithmetic.
#include "model/expert_source.hpp"
#include "offload/cost_model.hpp"
#include "quant/block_format.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace hoard::offload {

// Rows split in steps of this (a multiple of every block size, so down's
// column ranges and the activations' quantization blocks stay whole).
inline constexpr uint32_t kSplitRowStep = 256;
// The device takes at most this share of a split expert's rows (the link is
// the slower of the two on every machine we know; devices size their room
// for split parts by it).
inline constexpr double kSplitMaxDeviceShare = 0.5;

// One matrix of the device part: `rows` runs of `width` bytes, `src_pitch`
// apart in host memory, packed `dst_pitch` apart (16-byte aligned rows) at
// `dst_offset` of the part.
struct PartCopy {
    const uint8_t* src = nullptr;
    uint64_t src_pitch = 0, width = 0, rows = 0;
    uint64_t dst_offset = 0, dst_pitch = 0;
    uint64_t bytes() const { return width * rows; }
};

struct DevicePart {
    std::array<PartCopy, 3> copies{}; // gate, up, down
    std::array<backend::cpu::MatrixView, 3> shapes{};
    uint64_t packed_bytes = 0; // the part's memory, padding included
    uint64_t payload_bytes() const {
        return copies[0].bytes() + copies[1].bytes() + copies[2].bytes();
    }
    // The part's matrices as they lie at `base` once copied.
    model::ExpertMatrices views(const uint8_t* base) const {
        model::ExpertMatrices m{shapes[0], shapes[1], shapes[2]};
        m.gate.data = base + copies[0].dst_offset;
        m.up.data = base + copies[1].dst_offset;
        m.down.data = base + copies[2].dst_offset;
        return m;
    }
};

// Rows [first_row, n_ff) of gate and up and those columns of down, of the
// copy `host` (n_ff = host.gate.n_rows).
inline DevicePart device_part(const model::ExpertMatrices& host, uint32_t first_row) {
    auto align = [](uint64_t v) { return (v + 255) / 256 * 256; };
    DevicePart p;
    uint64_t at = 0;
    const size_t n_ff = host.gate.n_rows, n = n_ff - first_row;
    for (int i = 0; i < 2; ++i) {
        const backend::cpu::MatrixView& m = i == 0 ? host.gate : host.up;
        p.copies[i] = {m.row(first_row), m.row_stride, m.row_stride, n, at, m.row_stride};
        p.shapes[i] = {m.format, nullptr, n, m.row_length, m.row_stride};
        at = align(at + n * m.row_stride);
    }
    const backend::cpu::MatrixView& d = host.down;
    const uint64_t skip = quant::row_bytes(d.format, first_row);
    const uint64_t width = quant::row_bytes(d.format, n);
    const uint64_t pitch = (width + 15) / 16 * 16;
    p.copies[2] = {d.data + skip, d.row_stride, width, d.n_rows, at, pitch};
    p.shapes[2] = {d.format, nullptr, d.n_rows, n, pitch};
    p.packed_bytes = align(at + d.n_rows * pitch + 64); // kernels read a little past the end
    return p;
}

// The CPU's part: rows [0, first_row) of gate and up, those columns of down.
inline model::ExpertMatrices cpu_part(const model::ExpertMatrices& host, uint32_t first_row) {
    model::ExpertMatrices m = host;
    m.gate.n_rows = first_row;
    m.up.n_rows = first_row;
    m.down.row_length = first_row;
    return m;
}

// The weight bytes a (part of an) expert reads.
inline uint64_t weight_bytes(const model::ExpertMatrices& m) {
    return m.gate.n_rows * m.gate.row_stride + m.up.n_rows * m.up.row_stride +
           m.down.n_rows * quant::row_bytes(m.down.format, m.down.row_length);
}

// Whether an expert of n_ff rows can be split at kSplitRowStep boundaries.
inline bool splittable(const model::ExpertMatrices& host) {
    const size_t n_ff = host.gate.n_rows;
    return n_ff >= 2 * kSplitRowStep && n_ff % kSplitRowStep == 0 && host.down.row_length == n_ff &&
           kSplitRowStep % quant::format_info(host.down.format).block_elems == 0;
}

// Where to split an expert of n_ff rows whose copy the CPU reads is
// cpu_bytes and whose copy the device part comes from is device_bytes (a low
// copy for an expert the precision rule allows it: HOBBIT's low-precision
// load, for the device's share): the first row the device computes (n_ff:
// none), so that the CPU (busy for cpu_queue seconds of the layer) and the
// link then device (busy for link_queue) finish together, giving the device
// at most max_device_share of the rows.
inline uint32_t split_row(uint64_t cpu_bytes, uint64_t device_bytes, uint32_t n_ff,
                          const CostModel& cost, double cpu_queue, double link_queue,
                          double max_device_share) {
    const double cpu = double(cpu_bytes) / cost.cpu_bytes_per_second;
    const double b = double(device_bytes);
    const double link = b / cost.host_to_device.bytes_per_second + b / cost.device_bytes_per_second;
    double share = (cpu_queue + cost.cpu_latency_seconds - link_queue -
                    cost.host_to_device.latency_seconds + cpu) /
                   (cpu + link);
    share = std::clamp(share, 0.0, std::clamp(max_device_share, 0.0, 1.0));
    const uint32_t steps = n_ff / kSplitRowStep;
    const uint32_t device_steps = uint32_t(std::floor(share * steps + 0.5));
    return device_steps == 0 ? n_ff : n_ff - std::min(device_steps, steps - 1) * kSplitRowStep;
}

// When an expert split at `first` (split_row's answer) would be done: the
// later of the CPU's part and the link's then the device's.
inline double split_seconds(uint64_t cpu_bytes, uint64_t device_bytes, uint32_t n_ff,
                            uint32_t first, const CostModel& cost, double cpu_queue,
                            double link_queue) {
    const double device_share = double(n_ff - first) / double(n_ff);
    const double cpu = cpu_queue + cost.cpu_seconds(uint64_t((1.0 - device_share) * cpu_bytes));
    if (first >= n_ff) return cpu;
    const uint64_t part = uint64_t(device_share * double(device_bytes));
    return std::max(cpu,
                    link_queue + cost.host_to_device.seconds(part) + cost.device_seconds(part));
}

} // namespace hoard::offload
