#pragma once
// How sizes, counts and rates read in the app: "4.2 GB", "46.7 B", "12.5 tok/s".
#include <QString>

#include <cstdint>

namespace hoard::gui {

// Decimal units (GB = 10^9 bytes), as drive and GPU makers print them.
QString formatBytes(uint64_t bytes);
// Parameters or tokens: "950", "12.3 K", "46.7 M", "8.0 B".
QString formatCount(uint64_t count);
// A fraction in [0, 1] as "73%" (or "73.4%" with one decimal).
QString formatPercent(double fraction, int decimals = 0);
// Seconds as "850 ms", "2.4 s" or "3 min 12 s".
QString formatDuration(double seconds);

} // namespace hoard::gui
