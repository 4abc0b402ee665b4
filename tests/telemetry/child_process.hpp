#pragma once
// Running a piece of a test in a forked child (for SIGKILL, and for mounts
// and privileges that must not leak into the test process), and the mounts
// the full-disk and read-only tests use.
#include <functional>
#include <string>

namespace hoard::test {

// Runs `body` in a forked child and returns what it returned ("" means the
// checks passed), or a description of how the child died. The child has its
// own mount namespace when the system allows it.
std::string run_in_child(const std::function<std::string()>& body, int timeout_seconds = 120);

// In a child only: a private mount namespace, so mounts vanish with it.
// False when not permitted, or when $HOARD_TEST_NO_MOUNT is set.
bool enter_private_mount_namespace();
// A tmpfs of `bytes` at `folder`; false (with errno) when not permitted.
bool mount_small_tmpfs(const std::string& folder, unsigned long bytes);
// Makes `folder` a read-only bind mount of itself.
bool bind_read_only(const std::string& folder);

} // namespace hoard::test
