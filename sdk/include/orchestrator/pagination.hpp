// Lists in pages: the query parameters every list route reads and the body
// every list route answers.
#pragma once

#include "http.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace orch {

/// A page of a list, from `page` (from 1) with `limit` or its alias
/// `page_size` (default 20, capped at `maxLimit`), or `skip` + `limit`.
struct Page {
  std::int64_t page = 1, limit = 20, offset = 0;

  /// Reads the query; a malformed number is a 422 naming the parameter.
  static Page of(const Request& request, std::int64_t maxLimit = 100) {
    auto number = [&](const char* name, std::int64_t fallback, std::int64_t min) -> std::int64_t {
      auto text = request.query(name);
      if (!text) return fallback;
      try {
        std::size_t used = 0;
        auto value = std::stoll(*text, &used);
        if (used == text->size() && value >= min) return value;
      } catch (const std::exception&) {
      }
      throw HttpError::validation(name, std::string("Must be a whole number of at least ") + std::to_string(min));
    };
    Page page;
    page.limit = std::min(number("limit", number("page_size", 20, 1), 1), maxLimit);
    if (request.query("skip")) {
      page.offset = number("skip", 0, 0);
      page.page = page.offset / page.limit + 1;
    } else {
      page.page = number("page", 1, 1);
      page.offset = (page.page - 1) * page.limit;
    }
    return page;
  }

  /// The list body: {"<plural>": [...], total, page, limit, page_size,
  /// total_pages, has_next, pagination{page,limit,total,pages}}, and the same
  /// items again as {data, meta{total, page, limit, pages}} for clients that
  /// read lists that way.
  json envelope(const std::string& plural, json items, std::int64_t total) const {
    auto pages = (total + limit - 1) / limit;
    auto count = static_cast<std::int64_t>(items.size());
    json body = {{"total", total},
                 {"page", page},
                 {"limit", limit},
                 {"page_size", limit},
                 {"total_pages", pages},
                 {"has_next", offset + count < total},
                 {"pagination", {{"page", page}, {"limit", limit}, {"total", total}, {"pages", pages}}},
                 {"meta", {{"total", total}, {"page", page}, {"limit", limit}, {"pages", pages}}}};
    body["data"] = items;
    body[plural] = std::move(items);
    return body;
  }
};

} // namespace orch
