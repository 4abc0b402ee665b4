// The public profiling store (hoard/profiling.hpp): sessions with their
// per-layer totals, the charts' rows, exports and the chat history, over the
// telemetry layer's store. Recording is in recording_api.cpp, the live feed
// in live_feed_api.cpp.
#include "api/profiling_handle.hpp"
#include "hoard/error.hpp"
#include "telemetry/export_support.hpp"
#include "telemetry/session_export.hpp"

#include <algorithm>
#include <map>

namespace hoard {
namespace {

using telemetry::Database;
using telemetry::Statement;

uint64_t non_negative(int64_t v) {
    return static_cast<uint64_t>(std::max<int64_t>(0, v));
}

// The layer_windows columns LayerActivity sums, in the order read_activity()
// reads them.
constexpr const char* kActivityColumns =
    "hit_high, hit_low, load_high, load_low, cpu, skip, transfers, prefetch_loads, "
    "bytes_host_to_device, bytes_storage_to_host, prefetch_used, prefetch_unused, stalls, "
    "stall_seconds, cpu_seconds";
constexpr const char* kActivitySums =
    "sum(hit_high), sum(hit_low), sum(load_high), sum(load_low), sum(cpu), sum(skip), "
    "sum(transfers), sum(prefetch_loads), sum(bytes_host_to_device), "
    "sum(bytes_storage_to_host), sum(prefetch_used), sum(prefetch_unused), sum(stalls), "
    "sum(stall_seconds), sum(cpu_seconds)";

LayerActivity read_activity(const Statement& s, int first) {
    LayerActivity a;
    uint64_t* counts[] = {&a.hit_high,
                          &a.hit_low,
                          &a.load_high,
                          &a.load_low,
                          &a.cpu,
                          &a.skip,
                          &a.transfers,
                          &a.prefetch_loads,
                          &a.bytes_host_to_device,
                          &a.bytes_storage_to_host,
                          &a.prefetch_used,
                          &a.prefetch_unused,
                          &a.stalls};
    int c = first;
    for (uint64_t* v : counts) *v = non_negative(s.column_int64(c++));
    a.stall_seconds = s.column_double(c++);
    a.cpu_seconds = s.column_double(c);
    return a;
}

RecordedSession public_session(const telemetry::SessionRecord& r) {
    RecordedSession s;
    s.id = r.id;
    s.status = r.status;
    s.error = r.error;
    s.model_path = r.model_path;
    s.model_name = r.model_name;
    s.model_hash = r.model_hash;
    s.started_at = r.started_at;
    s.ended_at = r.ended_at;
    s.updated_at = r.updated_at;
    s.hardware_json = r.hardware.dump();
    s.settings_json = r.settings.dump();
    s.device_budget_bytes = r.device_budget_bytes;
    s.host_budget_bytes = r.host_budget_bytes;
    s.policy = r.policy;
    s.window_seconds = r.window_seconds;
    s.dropped_events = r.dropped_events;
    s.prompt_tokens = r.prompt_tokens;
    s.generated_tokens = r.generated_tokens;
    return s;
}

// Adds the per-layer totals and pass times of the sessions in `by_id` (all
// sessions when `only` is 0, else that one).
void add_totals(Database& db, std::map<int64_t, RecordedSession*>& by_id, int64_t only) {
    const std::string where = only ? " WHERE session_id = ?1" : "";
    Statement layers =
        db.prepare(std::string("SELECT session_id, layer, ") + kActivitySums +
                   " FROM layer_windows" + where + " GROUP BY session_id, layer ORDER BY layer");
    if (only) layers.bind(1, only);
    while (layers.step()) {
        const auto it = by_id.find(layers.column_int64(0));
        const int64_t layer = layers.column_int64(1);
        if (it == by_id.end() || layer < 0 || layer >= 4096) continue;
        RecordedSession& s = *it->second;
        if (s.layers.size() <= size_t(layer)) s.layers.resize(size_t(layer) + 1);
        s.layers[size_t(layer)] = read_activity(layers, 2);
        s.total += s.layers[size_t(layer)];
    }
    Statement times = db.prepare("SELECT session_id, prefill, sum(t_end - t_start) FROM tokens" +
                                 where + " GROUP BY session_id, prefill");
    if (only) times.bind(1, only);
    while (times.step()) {
        const auto it = by_id.find(times.column_int64(0));
        if (it == by_id.end()) continue;
        (times.column_int64(1) ? it->second->prefill_seconds : it->second->decode_seconds) =
            std::max(0.0, times.column_double(2));
    }
}

StoredConversation public_conversation(const telemetry::Conversation& c) {
    return {c.id,         c.title,      c.system_prompt, c.settings.dump(),
            c.model_path, c.created_at, c.updated_at};
}

telemetry::Conversation internal_conversation(const StoredConversation& c) {
    telemetry::Conversation out;
    out.id = c.id;
    out.title = c.title;
    out.system_prompt = c.system_prompt;
    out.settings = c.settings_json.empty() ? nlohmann::json::object()
                                           : nlohmann::json::parse(c.settings_json, nullptr, false);
    if (out.settings.is_discarded() || !out.settings.is_object())
        throw Error("the conversation's settings are not a JSON object: " + c.settings_json);
    out.model_path = c.model_path;
    return out;
}

StoredMessage public_message(const telemetry::ChatMessage& m) {
    return {m.id,
            m.conversation_id,
            m.role,
            m.content,
            m.created_at,
            m.session_id,
            m.tokens_per_second,
            m.time_to_first_token};
}

} // namespace

// ---------------------------------------------------------------- values

double LayerActivity::hit_rate() const {
    const uint64_t n = selections();
    return n ? double(hits()) / double(n) : 0.0;
}

LayerActivity& LayerActivity::operator+=(const LayerActivity& o) {
    hit_high += o.hit_high;
    hit_low += o.hit_low;
    load_high += o.load_high;
    load_low += o.load_low;
    cpu += o.cpu;
    skip += o.skip;
    transfers += o.transfers;
    prefetch_loads += o.prefetch_loads;
    bytes_host_to_device += o.bytes_host_to_device;
    bytes_storage_to_host += o.bytes_storage_to_host;
    prefetch_used += o.prefetch_used;
    prefetch_unused += o.prefetch_unused;
    stalls += o.stalls;
    stall_seconds += o.stall_seconds;
    cpu_seconds += o.cpu_seconds;
    return *this;
}

double RecordedSession::decode_tokens_per_second() const {
    return decode_seconds > 0 ? double(generated_tokens) / decode_seconds : 0.0;
}

double RecordedSession::prefill_tokens_per_second() const {
    return prefill_seconds > 0 ? double(prompt_tokens) / prefill_seconds : 0.0;
}

SessionExportFormat parse_session_export_format(std::string_view name) {
    switch (telemetry::parse_export_format(name)) {
    case telemetry::ExportFormat::Csv:
        return SessionExportFormat::Csv;
    case telemetry::ExportFormat::Json:
        return SessionExportFormat::Json;
    case telemetry::ExportFormat::Perfetto:
        return SessionExportFormat::Perfetto;
    case telemetry::ExportFormat::Sqlite:
        break;
    }
    return SessionExportFormat::Sqlite;
}

// ---------------------------------------------------------------- the store

ProfileStore::ProfileStore(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::filesystem::path ProfileStore::default_path() {
    return telemetry::default_database_path();
}

ProfileStore ProfileStore::open() {
    return open(default_path());
}

ProfileStore ProfileStore::open(const std::filesystem::path& path,
                                const ProfileStoreOptions& options) {
    telemetry::StoreOptions o;
    o.max_database_bytes = options.max_database_bytes;
    o.busy_timeout_ms = options.busy_timeout_ms;
    return ProfileStore(std::make_shared<Impl>(telemetry::ProfileStore::open(path, o)));
}

const std::filesystem::path& ProfileStore::path() const {
    return impl_->store.path();
}

std::vector<RecordedSession> ProfileStore::sessions() const {
    const auto records = impl_->store.sessions();
    std::vector<RecordedSession> out;
    out.reserve(records.size());
    std::map<int64_t, RecordedSession*> by_id;
    for (const auto& r : records) out.push_back(public_session(r));
    for (RecordedSession& s : out) by_id[s.id] = &s;
    impl_->store.with_database([&](Database& db) {
        telemetry::detail::ReadSnapshot snapshot(db);
        add_totals(db, by_id, 0);
    });
    return out;
}

std::optional<RecordedSession> ProfileStore::session(int64_t id) const {
    const auto record = impl_->store.session(id);
    if (!record) return std::nullopt;
    RecordedSession s = public_session(*record);
    std::map<int64_t, RecordedSession*> by_id{{id, &s}};
    impl_->store.with_database([&](Database& db) {
        telemetry::detail::ReadSnapshot snapshot(db);
        add_totals(db, by_id, id);
    });
    return s;
}

bool ProfileStore::delete_session(int64_t id) {
    return impl_->store.delete_session(id);
}

std::vector<RecordedPass> ProfileStore::passes(int64_t id) const {
    return impl_->store.with_database([id](Database& db) {
        Statement s = db.prepare("SELECT token_index, n_tokens, prefill, t_start, t_end FROM "
                                 "tokens WHERE session_id = ?1 ORDER BY rowid");
        s.bind(1, id);
        std::vector<RecordedPass> out;
        while (s.step())
            out.push_back({uint32_t(non_negative(s.column_int64(0))),
                           uint32_t(non_negative(s.column_int64(1))), s.column_int64(2) != 0,
                           s.column_double(3), s.column_double(4)});
        return out;
    });
}

std::vector<RecordedLayerWindow> ProfileStore::layer_windows(int64_t id) const {
    return impl_->store.with_database([id](Database& db) {
        Statement s = db.prepare(
            std::string("SELECT window_index, layer, t_start, t_end, token_first, token_last, "
                        "passes, ") +
            kActivityColumns +
            " FROM layer_windows WHERE session_id = ?1 ORDER BY window_index, layer");
        s.bind(1, id);
        std::vector<RecordedLayerWindow> out;
        while (s.step()) {
            RecordedLayerWindow w;
            w.window_index = non_negative(s.column_int64(0));
            w.layer = uint32_t(non_negative(s.column_int64(1)));
            w.t_start = s.column_double(2);
            w.t_end = s.column_double(3);
            w.token_first = uint32_t(non_negative(s.column_int64(4)));
            w.token_last = uint32_t(non_negative(s.column_int64(5)));
            w.passes = uint32_t(non_negative(s.column_int64(6)));
            w.activity = read_activity(s, 7);
            out.push_back(w);
        }
        return out;
    });
}

void ProfileStore::export_session(int64_t id, SessionExportFormat format,
                                  const std::filesystem::path& destination) const {
    telemetry::ExportFormat f = telemetry::ExportFormat::Sqlite;
    switch (format) {
    case SessionExportFormat::Csv:
        f = telemetry::ExportFormat::Csv;
        break;
    case SessionExportFormat::Json:
        f = telemetry::ExportFormat::Json;
        break;
    case SessionExportFormat::Perfetto:
        f = telemetry::ExportFormat::Perfetto;
        break;
    case SessionExportFormat::Sqlite:
        break;
    }
    telemetry::export_session(impl_->store, id, f, destination);
}

// ---------------------------------------------------------------- chat history

int64_t ProfileStore::create_conversation(const StoredConversation& c) {
    return impl_->store.chat().create_conversation(internal_conversation(c));
}

void ProfileStore::update_conversation(const StoredConversation& c) {
    impl_->store.chat().update_conversation(internal_conversation(c));
}

std::vector<StoredConversation> ProfileStore::conversations() const {
    std::vector<StoredConversation> out;
    for (const auto& c : impl_->store.chat().conversations()) out.push_back(public_conversation(c));
    return out;
}

std::optional<StoredConversation> ProfileStore::conversation(int64_t id) const {
    const auto c = impl_->store.chat().conversation(id);
    if (!c) return std::nullopt;
    return public_conversation(*c);
}

bool ProfileStore::delete_conversation(int64_t id) {
    return impl_->store.chat().delete_conversation(id);
}

int64_t ProfileStore::add_message(const StoredMessage& m) {
    telemetry::ChatMessage message;
    message.conversation_id = m.conversation_id;
    message.role = m.role;
    message.content = m.content;
    message.session_id = m.session_id;
    message.tokens_per_second = m.tokens_per_second;
    message.time_to_first_token = m.time_to_first_token;
    return impl_->store.chat().add_message(message);
}

std::vector<StoredMessage> ProfileStore::messages(int64_t conversation_id) const {
    std::vector<StoredMessage> out;
    for (const auto& m : impl_->store.chat().messages(conversation_id))
        out.push_back(public_message(m));
    return out;
}

size_t ProfileStore::truncate_messages_from(int64_t message_id) {
    return impl_->store.chat().truncate_from(message_id);
}

} // namespace hoard
