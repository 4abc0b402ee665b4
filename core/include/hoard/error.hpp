#pragma once
// The one exception type the engine throws; its message is meant for a user.
#include <stdexcept>
#include <string>

namespace hoard {

class Error : public std::runtime_error {
  public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

} // namespace hoard
