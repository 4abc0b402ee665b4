#pragma once
// Guesses which experts a later layer will select for the current token, so
// their loads can start early. The replay uses the statistical predictor
// below; the live engine adds one that applies the routers of later layers
// to the current hidden state, behind the same interface.
#include <cstdint>
#include <span>
#include <vector>

namespace hoard::offload {

struct ExpertPrediction {
    uint16_t expert = 0;
    float confidence = 0; // estimated probability that it is selected, 0..1
};

class ExpertPredictor {
  public:
    virtual ~ExpertPredictor() = default;
    virtual void on_sequence_start() {}
    // The routing of `layer` for the current token (layers arrive in order,
    // then the next token starts at layer 0).
    virtual void observe(uint16_t layer, std::span<const uint16_t> experts,
                         std::span<const float> weights) = 0;
    // Experts expected at `target_layer` for the current token, given what was
    // observed up to `source_layer`; most likely first.
    virtual void predict(uint16_t source_layer, uint16_t target_layer,
                         std::vector<ExpertPrediction>& out) const = 0;
};

// Learns, as tokens go by, how often expert e at layer l is followed by
// expert f at layer l + d within the same token, and predicts layer l + d from
// the current token's gate-weighted selection at l. Before any history, falls
// back on each layer's expert frequencies (nothing before the first token).
class TransitionPredictor final : public ExpertPredictor {
  public:
    TransitionPredictor(uint32_t n_layer, uint32_t n_expert, uint32_t distance);
    void observe(uint16_t layer, std::span<const uint16_t> experts,
                 std::span<const float> weights) override;
    void predict(uint16_t source_layer, uint16_t target_layer,
                 std::vector<ExpertPrediction>& out) const override;
    uint32_t distance() const { return distance_; }

  private:
    size_t at(uint32_t layer, uint32_t from, uint32_t to) const {
        return (size_t(layer) * n_expert_ + from) * n_expert_ + to;
    }
    uint32_t n_layer_, n_expert_, distance_;
    std::vector<uint32_t> transitions_;  // [layer l][expert at l][expert at l + d]
    std::vector<uint32_t> from_total_;   // [layer l][expert at l]: times it was selected
    std::vector<uint32_t> frequency_;    // [layer][expert]
    std::vector<uint32_t> layer_tokens_; // tokens seen per layer
    // The current token's selections per layer (for learning l → l + d).
    std::vector<std::vector<uint16_t>> current_;
    std::vector<std::vector<float>> current_weights_;
};

} // namespace hoard::offload
