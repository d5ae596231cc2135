#include "WorkerLink.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <sstream>

namespace orch::host {

WorkerLink::Answer WorkerLink::post(const std::string& path, const nlohmann::json& body, int timeoutMs) const {
  Poco::Net::StreamSocket socket;
  socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path_));
  Poco::Net::HTTPClientSession session(socket);
  session.setTimeout(Poco::Timespan(static_cast<long>(timeoutMs / 1000), static_cast<long>(timeoutMs % 1000) * 1000));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setHost("orchestrator");
  request.setContentType("application/json");
  request.set("X-Worker-Token", token_);
  auto text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); // a step's bytes need not be UTF-8
  request.setContentLength(static_cast<std::streamsize>(text.size()));
  session.sendRequest(request) << text;
  Poco::Net::HTTPResponse response;
  auto& in = session.receiveResponse(response);
  Answer answer;
  answer.status = static_cast<int>(response.getStatus());
  std::ostringstream out;
  Poco::StreamCopier::copyStream(in, out);
  answer.body = out.str();
  return answer;
}

} // namespace orch::host
