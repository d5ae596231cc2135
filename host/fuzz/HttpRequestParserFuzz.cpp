// libFuzzer target for HttpRequestParser: the bytes after the first are fed
// in pieces whose sizes come from the first byte, as a reactor would hand
// them over, and every request is taken. Checks the parser's own promises:
// it never consumes more than it is given, a failure names a status the
// server can answer, and a complete request is what it says.
#include "orchestrator/host/HttpRequestParser.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

using orch::host::HttpRequestParser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 32;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  std::size_t left = size - 1;
  HttpRequestParser parser({.maxHeaderCount = 16, .maxHeadBytes = 512, .maxBodyBytes = 1024});
  while (left > 0) {
    const std::size_t given = std::min(piece, left);
    const std::size_t used = parser.feed(bytes, given);
    if (used > given) std::abort();
    bytes += used;
    left -= used;
    switch (parser.state()) {
    case HttpRequestParser::State::Failed:
      if (parser.errorStatus() != 400 && parser.errorStatus() != 413 && parser.errorStatus() != 414 &&
          parser.errorStatus() != 431)
        std::abort();
      return 0;
    case HttpRequestParser::State::Complete: {
      auto request = parser.take();
      if (request.method.empty() || request.body.size() > 1024 || request.headers.size() > 16) std::abort();
      if (request.upgrade) return 0; // the rest is another protocol's
      break;
    }
    default:
      if (used == 0) std::abort(); // it must read what it is given
    }
  }
  parser.finish();
  return 0;
}
