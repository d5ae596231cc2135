#include "WorkerImage.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <stdexcept>

namespace containers {
namespace {

namespace fs = std::filesystem;

/// The shared libraries `ldd` says `file` loads, with the loader: absolute paths.
std::set<std::string> librariesOf(const std::string& file) {
  std::set<std::string> found;
  std::string command = "ldd '" + file + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run ldd on " + file);
  std::array<char, 1024> line{};
  static const std::regex mapped(R"(=>\s+(/\S+)\s+\()"), loader(R"(^\s*(/\S+)\s+\()");
  while (fgets(line.data(), line.size(), pipe.get())) {
    std::cmatch match;
    if (std::regex_search(line.data(), match, mapped) || std::regex_search(line.data(), match, loader))
      found.insert(match[1].str());
  }
  return found;
}

void writeOctal(char* field, std::size_t width, std::uint64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

/// One ustar header; a name past 100 bytes is split into prefix and name at a '/'.
void writeHeader(std::ostream& out, std::string name, char type, std::uint64_t size) {
  char header[512] = {};
  std::string prefix;
  if (name.size() > 100) {
    auto split = name.rfind('/', 155);
    if (split == std::string::npos || name.size() - split - 1 > 100) throw std::runtime_error("path too long for tar: " + name);
    prefix = name.substr(0, split);
    name = name.substr(split + 1);
  }
  std::memcpy(header, name.data(), name.size());
  writeOctal(header + 100, 8, type == '5' ? 0755 : 0755);
  writeOctal(header + 108, 8, 0);
  writeOctal(header + 116, 8, 0);
  writeOctal(header + 124, 12, size);
  writeOctal(header + 136, 12, 0);
  header[156] = type;
  std::memcpy(header + 257, "ustar", 6);
  std::memcpy(header + 263, "00", 2);
  std::memcpy(header + 345, prefix.data(), prefix.size());
  std::memset(header + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(header + 148, 8, "%06o", sum);
  header[155] = ' ';
  out.write(header, sizeof header);
}

} // namespace

WorkerImage::WorkerImage(const std::string& executable, const std::string& pluginsDir) {
  std::set<std::string> libraries = librariesOf(executable);
  files_[kBinary] = fs::canonical(executable).string();
  for (const auto& entry : fs::directory_iterator(pluginsDir)) {
    if (entry.path().extension() != ".so") continue;
    auto real = fs::canonical(entry.path()).string(); // a test's folder links to the build's plugins
    files_[std::string(kPlugins) + "/" + entry.path().filename().string()] = real;
    for (const auto& library : librariesOf(real)) libraries.insert(library);
  }
  // At the path ldd named (the loader's search path), with the real file's bytes.
  for (const auto& library : libraries) files_[library] = fs::canonical(library).string();

  Poco::SHA2Engine hash(Poco::SHA2Engine::SHA_256);
  std::array<char, 65536> buffer{};
  for (const auto& [inImage, onHost] : files_) {
    hash.update(inImage);
    std::ifstream in(onHost, std::ios::binary);
    while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0)
      hash.update(buffer.data(), static_cast<unsigned>(in.gcount()));
  }
  tag_ = Poco::DigestEngine::digestToHex(hash.digest()).substr(0, 16);
}

void WorkerImage::writeTar(std::ostream& out) const {
  std::set<std::string> folders = {"tmp"};
  for (const auto& [inImage, onHost] : files_)
    for (auto parent = fs::path(inImage.substr(1)).parent_path(); !parent.empty(); parent = parent.parent_path())
      folders.insert(parent.string());
  for (const auto& folder : folders) writeHeader(out, folder + "/", '5', 0);
  std::array<char, 65536> buffer{};
  for (const auto& [inImage, onHost] : files_) {
    auto size = fs::file_size(onHost);
    writeHeader(out, inImage.substr(1), '0', size);
    std::ifstream in(onHost, std::ios::binary);
    std::uint64_t written = 0;
    while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
      out.write(buffer.data(), in.gcount());
      written += static_cast<std::uint64_t>(in.gcount());
    }
    if (written != size) throw std::runtime_error("short read of " + onHost);
    static const char zeros[512] = {};
    if (size % 512) out.write(zeros, static_cast<std::streamsize>(512 - size % 512));
  }
  static const char end[1024] = {};
  out.write(end, sizeof end);
}

} // namespace containers
