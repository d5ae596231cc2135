// Crossing the C boundary of abi.h from C++: views, sinks and JSON text.
// Plugin code rarely needs these directly (orch::Plugin wraps every call);
// the host uses them too, so both sides convert the same way.
#pragma once

#include "abi.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace orch {

using json = nlohmann::json;

namespace detail {

inline orch_str view(std::string_view s) { return orch_str{s.data(), s.size()}; }
inline std::string_view view(orch_str s) { return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view(); }

/// An orch_sink that appends into a std::string owned by this side.
struct StringSink {
  orch_sink sink{&StringSink::append};
  std::string text;
  static void append(orch_sink* self, const char* ptr, std::size_t len) {
    reinterpret_cast<StringSink*>(self)->text.append(ptr, len);
  }
  orch_sink* get() { return &sink; }
};

inline void write(orch_sink* sink, std::string_view text) {
  if (sink && !text.empty()) sink->write(sink, text.data(), text.size());
}

/// JSON text as a value; `fallback` for empty text (a hook that wrote nothing).
inline json parseOr(std::string_view text, json fallback) {
  if (text.empty()) return fallback;
  return json::parse(text);
}

} // namespace detail
} // namespace orch
