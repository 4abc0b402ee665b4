#include "chat/sampling_settings.hpp"

#include <algorithm>

namespace hoard::gui {
namespace {

hoard::GenerationParams defaultParams() {
    hoard::GenerationParams params;
    params.max_tokens = 512;
    return params;
}

} // namespace

SamplingSettings::SamplingSettings(QObject* parent) : QObject(parent), params_(defaultParams()) {}

template <typename T, typename U> static bool assign(T& field, U value) {
    if (field == T(value)) return false;
    field = T(value);
    return true;
}

void SamplingSettings::setTemperature(double value) {
    if (assign(params_.sampling.temperature, std::clamp(value, 0.0, 2.0))) emit changed();
}
void SamplingSettings::setTopK(int value) {
    if (assign(params_.sampling.top_k, std::clamp(value, 0, 1000))) emit changed();
}
void SamplingSettings::setTopP(double value) {
    if (assign(params_.sampling.top_p, std::clamp(value, 0.01, 1.0))) emit changed();
}
void SamplingSettings::setMinP(double value) {
    if (assign(params_.sampling.min_p, std::clamp(value, 0.0, 1.0))) emit changed();
}
void SamplingSettings::setRepeatPenalty(double value) {
    if (assign(params_.sampling.repeat_penalty, std::clamp(value, 1.0, 2.0))) emit changed();
}
void SamplingSettings::setMaxTokens(int value) {
    if (assign(params_.max_tokens, std::clamp(value, 1, 32768))) emit changed();
}
void SamplingSettings::setSeed(qint64 value) {
    if (assign(params_.sampling.seed, uint64_t(std::max<qint64>(value, 0)))) emit changed();
}

void SamplingSettings::resetToDefaults() {
    params_ = defaultParams();
    emit changed();
}

QJsonObject SamplingSettings::toJson() const {
    return {{"temperature", temperature()},
            {"top_k", topK()},
            {"top_p", topP()},
            {"min_p", minP()},
            {"repeat_penalty", repeatPenalty()},
            {"max_tokens", maxTokens()},
            {"seed", seed()}};
}

void SamplingSettings::fromJson(const QJsonObject& json) {
    QSignalBlocker block(this);
    const hoard::GenerationParams d = defaultParams();
    setTemperature(json.value("temperature").toDouble(d.sampling.temperature));
    setTopK(json.value("top_k").toInt(d.sampling.top_k));
    setTopP(json.value("top_p").toDouble(d.sampling.top_p));
    setMinP(json.value("min_p").toDouble(d.sampling.min_p));
    setRepeatPenalty(json.value("repeat_penalty").toDouble(d.sampling.repeat_penalty));
    setMaxTokens(json.value("max_tokens").toInt(d.max_tokens));
    setSeed(json.value("seed").toInteger(qint64(d.sampling.seed)));
    block.unblock();
    emit changed();
}

} // namespace hoard::gui
