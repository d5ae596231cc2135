#pragma once

#include <map>
#include <ostream>
#include <string>

namespace containers {

/// The root file system of a worker's Docker image, made from what the host
/// has (no registry is reachable): the host's binary, its plugins, every
/// library `ldd` lists for them and the dynamic loader, at the paths the
/// loader looks in, and an empty /tmp. Nothing else: FROM scratch.
class WorkerImage {
public:
  static constexpr const char* kBinary = "/orchestrator/bin/orchestrator";
  static constexpr const char* kPlugins = "/orchestrator/plugins";

  WorkerImage(const std::string& executable, const std::string& pluginsDir);

  /// Path in the image -> file on the host.
  const std::map<std::string, std::string>& files() const { return files_; }
  /// A hash of every file's path and bytes: the image's tag, the same for the same build.
  const std::string& tag() const { return tag_; }
  /// The files as a tar archive (ustar), for POST /images/create?fromSrc=-.
  void writeTar(std::ostream& out) const;

private:
  std::map<std::string, std::string> files_;
  std::string tag_;
};

} // namespace containers
