#include "offload/sequence_trace_recorder.hpp"

#include "gguf/gguf_file.hpp"
#include "model/model.hpp"
#include "offload/offload_shape.hpp"
#include "offload/trace_file.hpp"

namespace hoard::offload {

SequenceTraceRecorder::SequenceTraceRecorder(const model::Model& model)
    : model_(model), trace_(uint32_t(model.config().n_layer), uint32_t(model.config().n_expert),
                            uint32_t(model.config().n_expert_used)),
      recorder_(trace_) {
    trace_.model = model.config().name.empty() ? model.file().label() : model.config().name;
}

void SequenceTraceRecorder::on_routing(const model::RoutingDecision& d) {
    if (d.layer == 0 && d.position == 0)
        recorder_.begin_sequence(int64_t(trace_.sequences().size()));
    recorder_.on_routing(d);
}

size_t SequenceTraceRecorder::write(const std::filesystem::path& path) const {
    const OffloadShape shape = shape_from_gguf(model_.file());
    write_trace_file(path, trace_, &shape);
    return trace_.n_tokens();
}

} // namespace hoard::offload
