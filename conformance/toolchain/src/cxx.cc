// A C++ library: std::string, std::vector and an exception need libstdc++ and libgcc_s.
#include <stdexcept>
#include <string>
#include <vector>

std::string cxx_join(const std::vector<std::string> &parts) {
    std::string out;
    for (const auto &part : parts)
        out += part;
    if (out.empty())
        throw std::runtime_error("nothing to join");
    return out;
}

extern "C" int cxx_length(const char *text) {
    try {
        return static_cast<int>(cxx_join({text, text}).size());
    } catch (const std::exception &) {
        return -1;
    }
}
