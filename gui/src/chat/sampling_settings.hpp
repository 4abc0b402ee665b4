#pragma once
// The sampling settings the chat sends with each reply, editable in the
// Chat screen's side panel and saved with each conversation.
#include "hoard/generation.hpp"

#include <QJsonObject>
#include <QObject>
#include <QtQml/qqmlregistration.h>

#include <cmath>

namespace hoard::gui {

class SamplingSettings : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Part of the chat controller")
    Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY changed)
    Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY changed)
    Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY changed)
    Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY changed)
    Q_PROPERTY(double repeatPenalty READ repeatPenalty WRITE setRepeatPenalty NOTIFY changed)
    Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY changed)
    Q_PROPERTY(qint64 seed READ seed WRITE setSeed NOTIFY changed)

  public:
    explicit SamplingSettings(QObject* parent = nullptr);

    // The sampler keeps floats; these read back as the decimals that were set.
    double temperature() const { return decimal(params_.sampling.temperature); }
    int topK() const { return params_.sampling.top_k; }
    double topP() const { return decimal(params_.sampling.top_p); }
    double minP() const { return decimal(params_.sampling.min_p); }
    double repeatPenalty() const { return decimal(params_.sampling.repeat_penalty); }
    int maxTokens() const { return params_.max_tokens; }
    qint64 seed() const { return qint64(params_.sampling.seed); }

    // Out-of-range values are clamped to what the sampler accepts.
    void setTemperature(double value);
    void setTopK(int value);
    void setTopP(double value);
    void setMinP(double value);
    void setRepeatPenalty(double value);
    void setMaxTokens(int value);
    void setSeed(qint64 value);

    Q_INVOKABLE void resetToDefaults();
    hoard::GenerationParams params() const { return params_; }
    QJsonObject toJson() const;
    // Missing keys keep their defaults.
    void fromJson(const QJsonObject& json);

  signals:
    void changed();

  private:
    static double decimal(float v) { return std::round(double(v) * 1e4) / 1e4; }

    hoard::GenerationParams params_;
};

} // namespace hoard::gui
