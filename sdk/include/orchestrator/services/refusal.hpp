// How a service says no: it answers {"refused": {status, code, message,
// details}} rather than failing the call, because the ABI's error text would
// flatten it. The caller rethrows the same HttpError (a 422 naming the field,
// a 404), so its client sees what a direct call shows.
#pragma once

#include "../http.hpp"

namespace orch::services {

inline json refusal(const HttpError& e) {
  return {{"refused", {{"status", e.status()}, {"code", e.code()}, {"message", e.what()}, {"details", e.details()}}}};
}

inline json unlessRefused(json answer) {
  if (answer.is_object() && answer.contains("refused")) {
    const auto& r = answer["refused"];
    throw HttpError(r.value("status", 500), r.value("code", std::string("INTERNAL_ERROR")),
                    r.value("message", std::string("the service refused")), r.value("details", json()));
  }
  return answer;
}

} // namespace orch::services
