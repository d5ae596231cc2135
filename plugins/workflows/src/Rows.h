#pragma once

#include <orchestrator/plugin.hpp>

#include <cstdio>
#include <random>
#include <string>

namespace workflows {

/// A random version 4 UUID.
inline std::string newId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  auto high = random(), low = random();
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xfff),
                static_cast<unsigned>(((low >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

} // namespace workflows
