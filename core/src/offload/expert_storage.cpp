#include "offload/expert_storage.hpp"

#include "hoard/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace hoard::offload {
namespace {

int open_read(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path.string() + ": cannot open (" + std::strerror(errno) + ")");
    return fd;
}

void pread_all(int fd, uint8_t* dst, uint64_t bytes, uint64_t offset,
               const std::filesystem::path& path) {
    while (bytes > 0) {
        const ssize_t n = ::pread(fd, dst, size_t(bytes), off_t(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(path.string() + ": read failed (" + std::strerror(errno) + ")");
        if (n == 0) throw Error(path.string() + ": the file is shorter than its expert table says");
        dst += n;
        bytes -= uint64_t(n);
        offset += uint64_t(n);
    }
}

} // namespace

ExpertStorage::ExpertStorage(const ExpertCatalog& catalog, const std::filesystem::path& model_file,
                             const std::filesystem::path& sidecar)
    : catalog_(catalog), model_path_(model_file), sidecar_path_(sidecar) {
    model_fd_ = open_read(model_file);
    if (!sidecar.empty()) {
        try {
            sidecar_fd_ = open_read(sidecar);
        } catch (...) {
            ::close(model_fd_);
            throw;
        }
    }
}

ExpertStorage::~ExpertStorage() {
    if (model_fd_ >= 0) ::close(model_fd_);
    if (sidecar_fd_ >= 0) ::close(sidecar_fd_);
}

uint64_t ExpertStorage::read(uint32_t layer, uint32_t expert, Precision p, uint8_t* blob) const {
    const int fd = p == Precision::High ? model_fd_ : sidecar_fd_;
    if (fd < 0) throw Error("internal error: no low-precision copies to read");
    const ExpertLayout& layout = catalog_.layout(layer, expert, p);
    uint64_t total = 0;
    for (const MatrixLayout& m : layout.matrices) {
        pread_all(fd, blob + m.blob_offset, m.bytes(), m.source_offset, file(p));
        total += m.bytes();
    }
    return total;
}

} // namespace hoard::offload
