#include "Cgroups.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace containers {
namespace {

namespace fs = std::filesystem;

bool writeFile(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  if (!out) return false;
  out << value;
  out.flush();
  return static_cast<bool>(out);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::optional<std::int64_t> readNumber(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return std::nullopt;
  try {
    return std::stoll(word);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// The value of `key` in a "key value" file (memory.events, cpu.stat, memory.oom_control).
std::optional<std::int64_t> keyed(const std::string& path, const std::string& key) {
  std::istringstream in(readFile(path));
  std::string name;
  std::int64_t value = 0;
  while (in >> name >> value)
    if (name == key) return value;
  return std::nullopt;
}

/// A folder of ours in a hierarchy, when one can be made there.
bool writable(const std::string& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  return !error && fs::exists(dir + "/cgroup.procs");
}

} // namespace

Cgroups Cgroups::detect(const std::string& root) {
  Cgroups found;
  found.root_ = root;
  if (fs::exists(root + "/cgroup.controllers")) {
    auto controllers = readFile(root + "/cgroup.controllers");
    auto base = root + "/orchestrator";
    if (controllers.find("memory") != std::string::npos && writable(base)) {
      // Controllers are handed down level by level; the root takes no processes of ours.
      writeFile(root + "/cgroup.subtree_control", "+memory +cpu");
      writeFile(base + "/cgroup.subtree_control", "+memory +cpu");
      found.kind_ = "cgroup v2";
      found.memoryRoot_ = found.cpuRoot_ = found.cpuacctRoot_ = base;
    }
    return found;
  }
  auto memory = root + "/memory/orchestrator", cpu = root + "/cpu/orchestrator", cpuacct = root + "/cpuacct/orchestrator";
  if (fs::exists(root + "/memory/memory.limit_in_bytes") && writable(memory)) {
    found.kind_ = "cgroup v1";
    found.memoryRoot_ = memory;
    if (fs::exists(root + "/cpu/cpu.cfs_quota_us") && writable(cpu)) found.cpuRoot_ = cpu;
    if (fs::exists(root + "/cpuacct/cpuacct.usage") && writable(cpuacct)) found.cpuacctRoot_ = cpuacct;
  }
  return found;
}

std::optional<Cgroups::Group> Cgroups::create(const std::string& name, double cpus, std::int64_t memoryBytes,
                                              std::vector<std::string>& notes) const {
  if (kind_.empty()) return std::nullopt;
  Group group;
  group.name = name;
  auto make = [&](const std::string& base, std::string& dir) {
    if (base.empty()) return;
    dir = base + "/" + name;
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) {
      dir.clear();
      return;
    }
    if (std::find(group.dirs.begin(), group.dirs.end(), dir) == group.dirs.end()) group.dirs.push_back(dir);
  };
  make(memoryRoot_, group.memoryDir);
  make(cpuRoot_, group.cpuDir);
  make(cpuacctRoot_, group.cpuacctDir);
  if (group.memoryDir.empty()) return std::nullopt;
  bool v2 = kind_ == "cgroup v2";
  if (memoryBytes > 0) {
    auto bytes = std::to_string(memoryBytes);
    group.memoryLimited = writeFile(group.memoryDir + (v2 ? "/memory.max" : "/memory.limit_in_bytes"), bytes);
    // No swap past the limit either, so that going over it is an OOM kill rather than a crawl.
    if (v2) writeFile(group.memoryDir + "/memory.swap.max", "0");
    else if (fs::exists(group.memoryDir + "/memory.memsw.limit_in_bytes"))
      writeFile(group.memoryDir + "/memory.memsw.limit_in_bytes", bytes);
    if (!group.memoryLimited) notes.push_back("the memory limit could not be written to " + group.memoryDir);
  }
  if (cpus > 0) {
    auto quota = std::to_string(static_cast<long long>(cpus * 100000));
    if (v2) group.cpuLimited = writeFile(group.cpuDir + "/cpu.max", quota + " 100000");
    else if (!group.cpuDir.empty())
      group.cpuLimited = writeFile(group.cpuDir + "/cpu.cfs_period_us", "100000") &&
                         writeFile(group.cpuDir + "/cpu.cfs_quota_us", quota);
    if (!group.cpuLimited) notes.push_back("the CPU limit could not be applied (no writable cpu controller)");
  }
  return group;
}

std::optional<Cgroups::Group> Cgroups::find(const std::string& name) const {
  if (kind_.empty() || !fs::exists(memoryRoot_ + "/" + name)) return std::nullopt;
  Group group;
  group.name = name;
  for (auto [base, dir] : {std::pair{&memoryRoot_, &group.memoryDir}, std::pair{&cpuRoot_, &group.cpuDir},
                           std::pair{&cpuacctRoot_, &group.cpuacctDir}}) {
    if (base->empty() || !fs::exists(*base + "/" + name)) continue;
    *dir = *base + "/" + name;
    if (std::find(group.dirs.begin(), group.dirs.end(), *dir) == group.dirs.end()) group.dirs.push_back(*dir);
  }
  return group;
}

void Cgroups::remove(const Group& group) {
  for (const auto& dir : group.dirs) {
    std::error_code ignored;
    fs::remove(dir, ignored); // rmdir: a cgroup's files are not removable one by one
  }
}

std::optional<std::int64_t> Cgroups::memoryBytes(const Group& group) const {
  if (group.memoryDir.empty()) return std::nullopt;
  if (kind_ == "cgroup v2") return readNumber(group.memoryDir + "/memory.current");
  auto usage = readNumber(group.memoryDir + "/memory.usage_in_bytes");
  // v1 counts the page cache too; Docker reports usage without it, and so do we.
  auto cache = keyed(group.memoryDir + "/memory.stat", "total_inactive_file");
  if (usage && cache && *cache < *usage) return *usage - *cache;
  return usage;
}

std::optional<std::int64_t> Cgroups::memoryLimitBytes(const Group& group) const {
  if (group.memoryDir.empty() || !group.memoryLimited) return std::nullopt;
  return readNumber(group.memoryDir + (kind_ == "cgroup v2" ? "/memory.max" : "/memory.limit_in_bytes"));
}

std::optional<std::int64_t> Cgroups::cpuNanos(const Group& group) const {
  if (kind_ == "cgroup v2") {
    auto micros = keyed(group.cpuDir + "/cpu.stat", "usage_usec");
    if (micros) return *micros * 1000;
    return std::nullopt;
  }
  if (group.cpuacctDir.empty()) return std::nullopt;
  return readNumber(group.cpuacctDir + "/cpuacct.usage");
}

std::int64_t Cgroups::oomKills(const Group& group) const {
  if (group.memoryDir.empty()) return 0;
  if (kind_ == "cgroup v2") return keyed(group.memoryDir + "/memory.events", "oom_kill").value_or(0);
  return keyed(group.memoryDir + "/memory.oom_control", "oom_kill").value_or(0);
}

} // namespace containers
