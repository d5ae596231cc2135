#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace containers {

/// Control groups for the process runtime's workers: a group per container
/// under "orchestrator/", with its memory and CPU limits. cgroup v2 where the
/// unified hierarchy has the controllers, else v1's memory and cpu
/// hierarchies; none (the caller falls back to rlimits) where neither can be
/// written, as in an unprivileged container.
class Cgroups {
public:
  /// Looks at /sys/fs/cgroup once.
  static Cgroups detect(const std::string& root = "/sys/fs/cgroup");

  /// "cgroup v2", "cgroup v1", or empty when no group can be made here.
  const std::string& kind() const { return kind_; }

  struct Group {
    std::string name;
    std::vector<std::string> dirs; ///< every folder of it (one in v2; memory, cpu, cpuacct in v1): the worker joins each
    std::string memoryDir, cpuDir, cpuacctDir;
    bool memoryLimited = false, cpuLimited = false;
  };
  /// Makes the group with its limits (0: none); `notes` gets what could not be applied.
  std::optional<Group> create(const std::string& name, double cpus, std::int64_t memoryBytes,
                              std::vector<std::string>& notes) const;
  /// The group of `name` made before (after a host restart), if its folders are there.
  std::optional<Group> find(const std::string& name) const;
  /// Removes the group's folders (it must hold no process any more).
  static void remove(const Group& group);

  std::optional<std::int64_t> memoryBytes(const Group& group) const;
  std::optional<std::int64_t> memoryLimitBytes(const Group& group) const;
  std::optional<std::int64_t> cpuNanos(const Group& group) const;
  /// How many times the kernel killed a process of the group for memory.
  std::int64_t oomKills(const Group& group) const;

private:
  std::string root_, kind_;
  std::string memoryRoot_, cpuRoot_, cpuacctRoot_; ///< v1: the hierarchies' "orchestrator" folders; v2: all the same
};

} // namespace containers
