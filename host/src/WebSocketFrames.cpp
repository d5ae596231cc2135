#include "orchestrator/host/WebSocketFrames.h"

#include <Poco/Base64Encoder.h>
#include <Poco/SHA1Engine.h>

#include <sstream>

namespace orch::host::websocket {

Parsed parseFrame(std::string_view buffer, std::size_t maxPayload) {
  Parsed result;
  if (buffer.size() < 2) return result;
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(buffer[i]); };
  auto invalid = [&](int code, std::string reason) {
    result.kind = Parsed::Kind::Invalid;
    result.closeCode = code;
    result.reason = std::move(reason);
    return result;
  };
  if (byte(0) & 0x70) return invalid(close_code::kProtocolError, "reserved bits set without an extension");
  auto opcode = byte(0) & 0x0F;
  bool known = opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
  if (!known) return invalid(close_code::kProtocolError, "unknown opcode");
  bool fin = byte(0) & 0x80;
  bool control = opcode >= 0x8;
  if (!(byte(1) & 0x80)) return invalid(close_code::kProtocolError, "client frames must be masked");
  std::uint64_t length = byte(1) & 0x7F;
  std::size_t header = 2;
  if (length == 126) {
    if (buffer.size() < 4) return result;
    length = (std::uint64_t{byte(2)} << 8) | byte(3);
    header = 4;
  } else if (length == 127) {
    if (buffer.size() < 10) return result;
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
    header = 10;
  }
  if (control && (length > 125 || !fin)) return invalid(close_code::kProtocolError, "malformed control frame");
  if (length > maxPayload)
    return invalid(close_code::kMessageTooBig, "message larger than " + std::to_string(maxPayload) + " bytes");
  if (buffer.size() < header + 4 + length) return result;
  const char* mask = buffer.data() + header;
  const char* data = mask + 4;
  result.frame.fin = fin;
  result.frame.opcode = static_cast<Opcode>(opcode);
  result.frame.payload.resize(static_cast<std::size_t>(length));
  for (std::size_t i = 0; i < length; ++i) result.frame.payload[i] = static_cast<char>(data[i] ^ mask[i % 4]);
  result.consumed = header + 4 + static_cast<std::size_t>(length);
  result.kind = Parsed::Kind::Complete;
  return result;
}

std::string encodeFrame(Opcode opcode, std::string_view payload) {
  std::string frame;
  frame.reserve(payload.size() + 10);
  frame.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
  auto length = static_cast<std::uint64_t>(payload.size());
  if (length < 126) {
    frame.push_back(static_cast<char>(length));
  } else if (length <= 0xFFFF) {
    frame.push_back(static_cast<char>(126));
    frame.push_back(static_cast<char>(length >> 8));
    frame.push_back(static_cast<char>(length & 0xFF));
  } else {
    frame.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((length >> shift) & 0xFF));
  }
  frame.append(payload);
  return frame;
}

std::string encodeClose(int code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>((code >> 8) & 0xFF));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, 123));
  return encodeFrame(Opcode::Close, payload);
}

std::pair<int, std::string> decodeClose(std::string_view payload) {
  if (payload.size() < 2) return {1005, ""};
  int code = (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
  return {code, std::string(payload.substr(2))};
}

std::string acceptKey(std::string_view clientKey) {
  Poco::SHA1Engine sha1;
  sha1.update(std::string(clientKey) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
  const auto& digest = sha1.digest();
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.write(reinterpret_cast<const char*>(digest.data()), static_cast<std::streamsize>(digest.size()));
  encoder.close();
  return out.str();
}

} // namespace orch::host::websocket
