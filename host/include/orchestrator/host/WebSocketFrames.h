#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace orch::host::websocket {

/// RFC 6455 opcodes.
enum class Opcode : std::uint8_t { Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA };

/// RFC 6455 close codes the host uses.
namespace close_code {
constexpr int kNormal = 1000;
constexpr int kGoingAway = 1001;
constexpr int kProtocolError = 1002;
constexpr int kUnsupportedData = 1003;
constexpr int kPolicyViolation = 1008;
constexpr int kMessageTooBig = 1009;
} // namespace close_code

/// One frame read from a client.
struct Frame {
  bool fin = true;
  Opcode opcode = Opcode::Text;
  std::string payload; ///< unmasked
};

/// What parseFrame found at the start of a buffer.
struct Parsed {
  enum class Kind { Incomplete, Complete, Invalid } kind = Kind::Incomplete;
  Frame frame;
  std::size_t consumed = 0; ///< bytes of the buffer the frame used (Complete)
  int closeCode = 0;        ///< why it is Invalid: 1002 or 1009
  std::string reason;
};

/// Reads one client frame. Client frames must be masked (RFC 6455 5.1);
/// a payload above `maxPayload` is Invalid with 1009 before it is buffered.
Parsed parseFrame(std::string_view buffer, std::size_t maxPayload);

/// A server frame: final, unmasked.
std::string encodeFrame(Opcode opcode, std::string_view payload);
/// A close frame; the reason is cut to the 123 bytes a control frame allows.
std::string encodeClose(int code, std::string_view reason);
/// The code and reason of a close frame's payload (1005 when it has none).
std::pair<int, std::string> decodeClose(std::string_view payload);

/// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string acceptKey(std::string_view clientKey);

} // namespace orch::host::websocket
