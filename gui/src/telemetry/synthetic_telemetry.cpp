#include "telemetry/synthetic_telemetry.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace hoard::gui {
namespace {

double clamp01(double v) {
    return std::clamp(v, 0.0, 1.0);
}

} // namespace

TelemetrySnapshot syntheticSnapshot(uint64_t sequence, size_t layers, uint64_t seed) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + sequence);
    std::uniform_real_distribution<double> noise(-1.0, 1.0);
    const double t = double(sequence) * 0.1;
    TelemetrySnapshot s;
    s.sequence = sequence;
    s.time = t;
    s.hasExpertStats = true;
    // Early layers route more predictably; a topic change (every ~8 s) dips every
    // layer; the seed stands for the budget (runs with different seeds differ).
    const double budget = 0.8 + 0.25 * double(seed % 5) / 4.0;
    const double warmup = budget * (1.0 - std::exp(-t / 2.0));
    const double topic = 0.12 * std::max(0.0, std::sin(t * 0.8));
    double sum = 0;
    for (size_t l = 0; l < layers; ++l) {
        const double depth = layers > 1 ? double(l) / double(layers - 1) : 0.0;
        const double base = 0.9 - 0.35 * depth + 0.08 * std::sin(t * 0.5 + double(l) * 0.7);
        const double rate = clamp01(warmup * base - topic + 0.05 * noise(rng));
        s.layerHitRates.push_back(rate);
        sum += rate;
    }
    s.hitRate = layers ? sum / double(layers) : 0.0;
    s.highFraction = clamp01(0.55 * s.hitRate + 0.05 * noise(rng) + 0.1);
    s.lowFraction = clamp01(0.45 * s.hitRate);
    s.cpuFraction = clamp01(1.0 - s.highFraction - s.lowFraction - 0.02);
    s.skipFraction = clamp01(1.0 - s.highFraction - s.lowFraction - s.cpuFraction);
    s.tokensPerSecond = std::max(0.0, 6.0 + 14.0 * s.hitRate + 0.8 * noise(rng));
    s.generatedTokens = uint64_t(std::llround(t * s.tokensPerSecond));
    s.hostToDeviceBytesPerSecond = std::max(0.0, (1.0 - s.hitRate) * 18e9 + 1e9 * noise(rng));
    s.storageToHostBytesPerSecond = std::max(0.0, (1.0 - s.hitRate) * 2e9 + 2e8 * noise(rng));
    s.cpuExperts = uint64_t(std::llround(s.cpuFraction * double(layers) * 8.0));
    s.fidelity = clamp01(0.985 - 0.01 * s.lowFraction + 0.002 * noise(rng));
    return s;
}

std::vector<TelemetrySnapshot> syntheticRun(size_t count, size_t layers, uint64_t seed) {
    std::vector<TelemetrySnapshot> run;
    run.reserve(count);
    for (size_t i = 1; i <= count; ++i) run.push_back(syntheticSnapshot(i, layers, seed));
    return run;
}

SyntheticTelemetrySource::SyntheticTelemetrySource(size_t layers,
                                                   std::chrono::milliseconds interval,
                                                   uint64_t seed)
    : layers_(layers), interval_(interval), seed_(seed) {}

SyntheticTelemetrySource::~SyntheticTelemetrySource() {
    stop();
}

void SyntheticTelemetrySource::start(TelemetryFeed& feed) {
    stop();
    stopping_ = false;
    thread_ = std::thread([this, &feed] {
        uint64_t sequence = 0;
        while (!stopping_.load()) {
            feed.publish(syntheticSnapshot(++sequence, layers_, seed_));
            std::this_thread::sleep_for(interval_);
        }
    });
}

void SyntheticTelemetrySource::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

} // namespace hoard::gui
