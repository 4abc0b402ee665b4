#include "offload/low_precision_sidecar.hpp"

#include "hoard/error.hpp"
#include "offload/content_hash.hpp"
#include "quant/kernels.hpp"

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace hoard::offload {
namespace {

constexpr char kMagic[8] = {'H', 'O', 'A', 'R', 'D', 'L', 'P', '1'};
constexpr uint32_t kHeaderBytes = 128;
constexpr uint32_t kEntryBytes = 3 * 32 + 8; // three matrices and a checksum
constexpr uint64_t kDataAlign = 64;

// Little-endian field access at fixed offsets of a byte buffer.
void put32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
void put64(uint8_t* p, uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint32_t get32(const uint8_t* p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}
uint64_t get64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

// Header field offsets.
enum : size_t {
    kOffVersion = 8,
    kOffHeaderBytes = 12,
    kOffModelSize = 16,
    kOffModelMtime = 24,
    kOffModelHash = 32,
    kOffRecipeHash = 40,
    kOffLayers = 48,
    kOffExperts = 52,
    kOffTableOffset = 56,
    kOffTableBytes = 64,
    kOffDataOffset = 72,
    kOffDataBytes = 80,
    kOffTableChecksum = 88,
    kOffHeaderChecksum = 120,
};

uint64_t recipe_hash(const std::string& key) {
    return content_hash(key.data(), key.size(), 0x5EED);
}

struct Header {
    uint64_t model_size = 0, model_hash = 0, recipe = 0;
    int64_t model_mtime = 0;
    uint32_t n_layer = 0, n_expert = 0;
    uint64_t table_offset = 0, table_bytes = 0, data_offset = 0, data_bytes = 0;
    uint64_t table_checksum = 0;
};

std::array<uint8_t, kHeaderBytes> encode_header(const Header& h) {
    std::array<uint8_t, kHeaderBytes> b{};
    std::memcpy(b.data(), kMagic, 8);
    put32(&b[kOffVersion], kSidecarVersion);
    put32(&b[kOffHeaderBytes], kHeaderBytes);
    put64(&b[kOffModelSize], h.model_size);
    put64(&b[kOffModelMtime], uint64_t(h.model_mtime));
    put64(&b[kOffModelHash], h.model_hash);
    put64(&b[kOffRecipeHash], h.recipe);
    put32(&b[kOffLayers], h.n_layer);
    put32(&b[kOffExperts], h.n_expert);
    put64(&b[kOffTableOffset], h.table_offset);
    put64(&b[kOffTableBytes], h.table_bytes);
    put64(&b[kOffDataOffset], h.data_offset);
    put64(&b[kOffDataBytes], h.data_bytes);
    put64(&b[kOffTableChecksum], h.table_checksum);
    put64(&b[kOffHeaderChecksum], content_hash(b.data(), kOffHeaderChecksum));
    return b;
}

void encode_entry(uint8_t* p, const ExpertLayout& layout, uint64_t checksum) {
    for (const MatrixLayout& m : layout.matrices) {
        put32(p, uint32_t(m.format));
        put32(p + 4, m.n_rows);
        put32(p + 8, m.row_length);
        put32(p + 12, 0);
        put64(p + 16, m.row_stride);
        put64(p + 24, m.source_offset);
        p += 32;
    }
    put64(p, checksum);
}

// Reads `n` bytes at `offset`; false when the file is shorter.
bool read_at(std::ifstream& in, uint64_t offset, void* dst, uint64_t n) {
    in.seekg(std::streamoff(offset));
    in.read(static_cast<char*>(dst), std::streamsize(n));
    return bool(in);
}

std::string hex(uint64_t v, int digits) {
    static const char* d = "0123456789abcdef";
    std::string s(size_t(digits), '0');
    for (int i = digits - 1; i >= 0; --i, v >>= 4) s[size_t(i)] = d[v & 15];
    return s;
}

} // namespace

ModelIdentity::ModelIdentity(std::filesystem::path path) : path_(std::move(path)) {
    std::error_code ec;
    size_ = std::filesystem::file_size(path_, ec);
    if (ec) throw Error(path_.string() + ": cannot read (" + ec.message() + ")");
    const auto t = std::filesystem::last_write_time(path_, ec);
    if (ec) throw Error(path_.string() + ": cannot read (" + ec.message() + ")");
    mtime_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

uint64_t ModelIdentity::content_hash(const BuildProgress& progress) {
    if (!hash_)
        hash_ = file_content_hash(path_, [&](double f) {
            if (progress) progress(f, "hashing the model file");
        });
    return *hash_;
}

std::filesystem::path default_cache_dir() {
    if (const char* v = std::getenv("HOARD_CACHE_DIR"); v && *v) return v;
    if (const char* v = std::getenv("XDG_CACHE_HOME"); v && *v && v[0] == '/')
        return std::filesystem::path(v) / "hoard";
    if (const char* v = std::getenv("HOME"); v && *v)
        return std::filesystem::path(v) / ".cache" / "hoard";
    throw Error("no cache folder for low-precision copies: set HOARD_CACHE_DIR, XDG_CACHE_HOME "
                "or HOME, or give one");
}

std::filesystem::path sidecar_path(const std::filesystem::path& cache_dir,
                                   const ModelIdentity& model, const std::string& recipe_key) {
    return cache_dir / (model.path().stem().string() + "-" + std::to_string(model.size()) + "-" +
                        hex(recipe_hash(recipe_key), 8) + ".hoardlow");
}

bool format_fits(quant::BlockFormat format, const ExpertCatalog& catalog) {
    const quant::FormatInfo& info = quant::format_info(format);
    if (!info.computable) return false;
    for (uint32_t l = 0; l < catalog.n_layer(); ++l)
        for (uint32_t e = 0; e < catalog.n_expert(); ++e)
            for (const MatrixLayout& m : catalog.layout(l, e, Precision::High).matrices)
                if (m.row_length % info.block_elems != 0) return false;
    return true;
}

ExpertLayout quantize_expert(const ExpertLayout& high, std::span<const uint8_t> model_bytes,
                             quant::BlockFormat format, std::vector<uint8_t>& out) {
    ExpertLayout low;
    uint64_t at = 0;
    for (size_t i = 0; i < 3; ++i) {
        const MatrixLayout& h = high.matrices[i];
        MatrixLayout& m = low.matrices[i];
        m.format = format;
        m.n_rows = h.n_rows;
        m.row_length = h.row_length;
        m.row_stride = quant::row_bytes(format, h.row_length);
        m.source_offset = at;
        at += m.bytes();
    }
    pack_layout(low);
    out.assign(at, 0);
    std::vector<float> row;
    for (size_t i = 0; i < 3; ++i) {
        const MatrixLayout& h = high.matrices[i];
        const MatrixLayout& m = low.matrices[i];
        if (h.source_offset + h.bytes() > model_bytes.size())
            throw Error("an expert matrix lies outside the model file");
        row.resize(h.row_length);
        for (uint32_t r = 0; r < h.n_rows; ++r) {
            quant::dequantize_row(h.format, model_bytes.data() + h.source_offset + r * h.row_stride,
                                  row.data(), h.row_length);
            quant::quantize_row(format, row.data(), out.data() + m.source_offset + r * m.row_stride,
                                h.row_length);
        }
    }
    return low;
}

std::optional<std::string> open_sidecar(const std::filesystem::path& path, ModelIdentity& model,
                                        const std::string& recipe_key, ExpertCatalog& catalog) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "it cannot be opened";
    std::array<uint8_t, kHeaderBytes> b{};
    if (!read_at(in, 0, b.data(), b.size())) return "its header is cut short";
    if (std::memcmp(b.data(), kMagic, 8) != 0) return "it is not a Hoard low-precision file";
    if (get64(&b[kOffHeaderChecksum]) != content_hash(b.data(), kOffHeaderChecksum))
        return "its header is damaged (checksum mismatch)";
    if (get32(&b[kOffVersion]) != kSidecarVersion)
        return "it has format version " + std::to_string(get32(&b[kOffVersion])) + ", not " +
               std::to_string(kSidecarVersion);
    if (get64(&b[kOffRecipeHash]) != recipe_hash(recipe_key))
        return "it was made with other low-precision settings";
    const uint64_t size = get64(&b[kOffModelSize]);
    const int64_t mtime = int64_t(get64(&b[kOffModelMtime]));
    const uint64_t hash = get64(&b[kOffModelHash]);
    if (size != model.size()) return "it belongs to another model file (size differs)";
    if (mtime != model.mtime_ns() && hash != model.content_hash())
        return "the model file changed since it was made (content hash differs)";
    const uint32_t n_layer = get32(&b[kOffLayers]), n_expert = get32(&b[kOffExperts]);
    if (n_layer != catalog.n_layer() || n_expert != catalog.n_expert())
        return "it describes another model shape";

    const uint64_t table_offset = get64(&b[kOffTableOffset]);
    const uint64_t table_bytes = get64(&b[kOffTableBytes]);
    const uint64_t data_offset = get64(&b[kOffDataOffset]);
    const uint64_t data_bytes = get64(&b[kOffDataBytes]);
    const uint64_t n_entries = uint64_t(n_layer) * n_expert;
    std::error_code ec;
    const uint64_t file_size = std::filesystem::file_size(path, ec);
    if (ec || table_bytes != n_entries * kEntryBytes || table_offset != kHeaderBytes ||
        data_offset < table_offset + table_bytes || data_offset + data_bytes != file_size)
        return "its table or data section is out of place (damaged or cut short)";
    std::vector<uint8_t> table(table_bytes);
    if (!read_at(in, table_offset, table.data(), table.size())) return "its table is cut short";
    if (content_hash(table.data(), table.size()) != get64(&b[kOffTableChecksum]))
        return "its table is damaged (checksum mismatch)";

    std::vector<ExpertLayout> layouts(n_entries);
    std::vector<uint8_t> blob;
    for (uint64_t i = 0; i < n_entries; ++i) {
        const uint8_t* p = table.data() + i * kEntryBytes;
        const uint32_t l = uint32_t(i / n_expert), e = uint32_t(i % n_expert);
        const ExpertLayout& high = catalog.layout(l, e, Precision::High);
        ExpertLayout& low = layouts[i];
        uint64_t begin = UINT64_MAX, end = 0;
        for (size_t m = 0; m < 3; ++m, p += 32) {
            MatrixLayout& x = low.matrices[m];
            const auto info = quant::find_format(get32(p));
            if (!info || !info->computable) return "it names an unknown block format";
            x.format = info->format;
            x.n_rows = get32(p + 4);
            x.row_length = get32(p + 8);
            x.row_stride = get64(p + 16);
            x.source_offset = get64(p + 24);
            if (x.n_rows != high.matrices[m].n_rows ||
                x.row_length != high.matrices[m].row_length ||
                x.row_length % info->block_elems != 0 ||
                x.row_stride != quant::row_bytes(x.format, x.row_length))
                return "its table does not match the model's expert shapes";
            if (x.source_offset < data_offset || x.source_offset + x.bytes() > file_size)
                return "its table points outside the data";
            begin = std::min(begin, x.source_offset);
            end = std::max(end, x.source_offset + x.bytes());
        }
        pack_layout(low);
        blob.resize(end - begin);
        if (!read_at(in, begin, blob.data(), blob.size())) return "its data is cut short";
        if (content_hash(blob.data(), blob.size()) != get64(p))
            return "the low-precision copy of expert " + std::to_string(e) + " of layer " +
                   std::to_string(l) + " is damaged (checksum mismatch)";
    }
    for (uint64_t i = 0; i < n_entries; ++i)
        catalog.set_low(uint32_t(i / n_expert), uint32_t(i % n_expert), layouts[i]);
    catalog.mark_low_ready();
    return std::nullopt;
}

void build_sidecar(const std::filesystem::path& path, ModelIdentity& model,
                   std::span<const uint8_t> model_bytes, const SidecarRecipe& recipe,
                   const ExpertCatalog& catalog, const BuildProgress& progress) {
    const uint64_t n_entries = uint64_t(catalog.n_layer()) * catalog.n_expert();
    const std::vector<quant::BlockFormat> formats = recipe.choose_formats(progress);
    if (formats.size() != n_entries)
        throw Error("internal error: one low format per expert needed");

    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
        throw Error("cannot create the cache folder " + path.parent_path().string() + " (" +
                    ec.message() + "); give another one");
    const std::filesystem::path temp =
        path.string() + ".tmp" + std::to_string(static_cast<long long>(::getpid()));
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + temp.string() + "; give another cache folder");

    Header h;
    h.model_size = model.size();
    h.model_mtime = model.mtime_ns();
    h.model_hash = model.content_hash(progress);
    h.recipe = recipe_hash(recipe.key);
    h.n_layer = catalog.n_layer();
    h.n_expert = catalog.n_expert();
    h.table_offset = kHeaderBytes;
    h.table_bytes = n_entries * kEntryBytes;
    h.data_offset = (h.table_offset + h.table_bytes + kDataAlign - 1) / kDataAlign * kDataAlign;
    std::vector<uint8_t> table(h.table_bytes, 0);
    // Header and table are written last, once known; zeros hold their place.
    const std::vector<char> zeros(h.data_offset, 0);
    out.write(zeros.data(), std::streamsize(zeros.size()));

    std::vector<uint8_t> blob;
    uint64_t at = h.data_offset;
    for (uint64_t i = 0; i < n_entries; ++i) {
        const uint32_t l = uint32_t(i / catalog.n_expert()), e = uint32_t(i % catalog.n_expert());
        const ExpertLayout& high = catalog.layout(l, e, Precision::High);
        ExpertLayout low = recipe.quantize ? recipe.quantize(high, model_bytes, formats[i], blob)
                                           : quantize_expert(high, model_bytes, formats[i], blob);
        for (MatrixLayout& m : low.matrices) m.source_offset += at;
        const uint64_t payload = low.matrices[2].source_offset + low.matrices[2].bytes() - at;
        encode_entry(table.data() + i * kEntryBytes, low, content_hash(blob.data(), payload));
        out.write(reinterpret_cast<const char*>(blob.data()), std::streamsize(payload));
        at += payload;
        if (progress)
            progress(double(i + 1) / double(n_entries), "quantizing low-precision experts");
    }
    h.data_bytes = at - h.data_offset;
    h.table_checksum = content_hash(table.data(), table.size());
    const auto header = encode_header(h);
    out.seekp(0);
    out.write(reinterpret_cast<const char*>(header.data()), header.size());
    out.write(reinterpret_cast<const char*>(table.data()), std::streamsize(table.size()));
    out.close();
    if (!out) {
        std::filesystem::remove(temp, ec);
        throw Error("writing " + temp.string() + " failed (disk full?)");
    }
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::filesystem::remove(temp, ec);
        throw Error("cannot move the low-precision copies into place at " + path.string());
    }
}

SidecarStatus prepare_sidecar(const std::filesystem::path& cache_dir, ModelIdentity& model,
                              std::span<const uint8_t> model_bytes, const SidecarRecipe& recipe,
                              ExpertCatalog& catalog, const BuildProgress& progress) {
    const auto start = std::chrono::steady_clock::now();
    SidecarStatus status;
    status.path = sidecar_path(cache_dir, model, recipe.key);
    if (std::filesystem::exists(status.path)) {
        if (auto why = open_sidecar(status.path, model, recipe.key, catalog); !why) {
            status.bytes = catalog.total_blob_bytes(Precision::Low);
            status.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            return status;
        } else {
            status.rebuild_reason = *why;
        }
    }
    build_sidecar(status.path, model, model_bytes, recipe, catalog, progress);
    if (auto why = open_sidecar(status.path, model, recipe.key, catalog))
        throw Error("the low-precision copies just written to " + status.path.string() +
                    " do not read back: " + *why);
    status.built = true;
    status.bytes = catalog.total_blob_bytes(Precision::Low);
    status.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return status;
}

} // namespace hoard::offload
