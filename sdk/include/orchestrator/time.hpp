// Times in the one form every response uses: RFC 3339 UTC ending in "Z".
// Stored times are epoch seconds (what a client reads to the second) or epoch
// milliseconds (what the engine and deliveries compare); both format here.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <random>
#include <string>

namespace orch {

/// Seconds since the Unix epoch.
inline std::int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// Milliseconds since the Unix epoch.
inline std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace detail {

/// The one RFC 3339 formatter: "2026-11-23T10:00:00Z", or with `millis`
/// "2026-11-23T10:00:00.123Z". Formatted by hand: the engine stamps several
/// times per step, and strftime with its time-zone lookup cost more than the
/// rest of a step's bookkeeping.
inline std::string formatRfc3339(std::int64_t epochMs, bool millis) {
  using namespace std::chrono;
  auto time = sys_time<milliseconds>(milliseconds(epochMs));
  auto day = floor<days>(time);
  year_month_day date(day);
  auto sinceMidnight = (time - day).count();
  char text[24];
  auto put = [&text](int at, long long value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) text[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, static_cast<int>(date.year()), 4);
  text[4] = '-';
  put(5, static_cast<unsigned>(date.month()), 2);
  text[7] = '-';
  put(8, static_cast<unsigned>(date.day()), 2);
  text[10] = 'T';
  put(11, sinceMidnight / 3600000, 2);
  text[13] = ':';
  put(14, sinceMidnight / 60000 % 60, 2);
  text[16] = ':';
  put(17, sinceMidnight / 1000 % 60, 2);
  if (!millis) {
    text[19] = 'Z';
    return std::string(text, 20);
  }
  text[19] = '.';
  put(20, sinceMidnight % 1000, 3);
  text[23] = 'Z';
  return std::string(text, sizeof text);
}

} // namespace detail

/// An epoch second as RFC 3339 UTC: "2026-11-23T10:00:00Z".
inline std::string rfc3339(std::int64_t epochSeconds) { return detail::formatRfc3339(epochSeconds * 1000, false); }

/// An epoch millisecond as RFC 3339 UTC with milliseconds:
/// "2025-08-25T15:45:00.123Z" (executions and deliveries are short enough
/// that seconds hide their story).
inline std::string rfc3339Millis(std::int64_t epochMs) { return detail::formatRfc3339(epochMs, true); }

inline std::string nowRfc3339() { return rfc3339(nowSeconds()); }

/// Epoch milliseconds of an RFC 3339 date-time ("2025-08-25T16:00:00Z",
/// "2025-08-25T16:00:00.5+02:00"), or nullopt when it is not one.
inline std::optional<std::int64_t> parseRfc3339(const std::string& text) {
  std::tm parts{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
                  &used) != 6 ||
      used != 19)
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int digits = 0;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      if (digits < 3) millis = millis * 10 + (text[at] - '0');
      ++digits;
      ++at;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  std::int64_t offsetMinutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    int hours = std::atoi(text.substr(at + 1, 2).c_str()), minutes = std::atoi(text.substr(at + 4, 2).c_str());
    offsetMinutes = (text[at] == '-' ? -1 : 1) * (hours * 60 + minutes);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  auto seconds = static_cast<std::int64_t>(timegm(&parts)) - offsetMinutes * 60;
  return seconds * 1000 + millis;
}

/// The wait before retry number `attempt` (from 1): `baseMs` doubled per
/// attempt, capped at `maxMs`, with equal jitter (half fixed, half random), so
/// that many retries of one failure spread out instead of arriving together.
inline std::int64_t backoffMs(std::int64_t attempt, std::int64_t baseMs, std::int64_t maxMs) {
  auto delay = std::min<std::int64_t>(maxMs, baseMs << std::clamp<std::int64_t>(attempt - 1, 0, 20));
  thread_local std::mt19937_64 random{std::random_device{}()};
  return delay / 2 + std::uniform_int_distribution<std::int64_t>(0, delay - delay / 2)(random);
}

} // namespace orch
