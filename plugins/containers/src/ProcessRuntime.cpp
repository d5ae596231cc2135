#include "ProcessRuntime.h"

#include "LogLines.h"

#include <orchestrator/ids.hpp>
#include <orchestrator/procfs.hpp>
#include <orchestrator/time.hpp>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace containers {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The most descriptors a child might have inherited, for the loop that closes them.
long descriptorCeiling() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 65536;
  return static_cast<long>(std::min<rlim_t>(limit.rlim_cur, 1 << 20));
}

/// Whether this process may make a network namespace (root, or CAP_SYS_ADMIN).
bool canMakeNetworkNamespace() {
  pid_t child = fork();
  if (child == 0) _exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
  if (child < 0) return false;
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// Bytes received and sent on every interface but loopback in the process's network namespace.
std::pair<std::int64_t, std::int64_t> networkBytes(long pid) {
  std::istringstream in(readFile("/proc/" + std::to_string(pid) + "/net/dev"));
  auto [received, sent] = orch::procfs::networkBytes(in);
  return {static_cast<std::int64_t>(received), static_cast<std::int64_t>(sent)};
}

} // namespace

ProcessRuntime::ProcessRuntime(Settings settings)
    : settings_(std::move(settings)), cgroups_(settings_.cgroups ? Cgroups::detect() : Cgroups()) {
  fs::create_directories(settings_.dir);
  // Workers die with the host that started them: what a host that died left is a folder and maybe a group.
  for (const auto& entry : fs::directory_iterator(settings_.dir)) {
    auto name = entry.path().filename().string();
    if (name.rfind("proc-", 0) != 0) continue; // only what this runtime made
    if (auto group = cgroups_.find(name)) Cgroups::remove(*group);
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
  supervisor_ = std::thread([this] { supervise(); });
  onSupervisor([this] { netnsAllowed_ = canMakeNetworkNamespace(); });
}

ProcessRuntime::~ProcessRuntime() {
  onSupervisor([this] {
    std::vector<std::shared_ptr<Proc>> all;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, proc] : procs_) all.push_back(proc);
    }
    for (auto& proc : all) {
      kill(*proc);
      if (proc->group) Cgroups::remove(*proc->group);
    }
  });
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  supervisor_.join();
}

void ProcessRuntime::onSupervisor(std::function<void()> task) {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back([task = std::move(task), done] {
      try {
        task();
        done->set_value();
      } catch (...) {
        done->set_exception(std::current_exception());
      }
    });
    wake_.notify_all();
  }
  finished.get();
}

void ProcessRuntime::supervise() {
  std::unique_lock lock(mutex_);
  while (!stopping_ || !tasks_.empty()) {
    wake_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stopping_ || !tasks_.empty(); });
    while (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
    lock.unlock();
    reap();
    lock.lock();
  }
}

void ProcessRuntime::note(const Proc& proc, const std::string& level, const std::string& message) const {
  std::ofstream out(settings_.dir + "/" + proc.id + "/runtime.log", std::ios::app);
  out << orch::rfc3339Millis(orch::nowMs()) << ' ' << level << ' ' << message << '\n';
}

void ProcessRuntime::spawn(Proc& proc) {
  auto folder = settings_.dir + "/" + proc.id;
  fs::create_directories(folder + "/data");
  // Everything the child needs is made before fork: after it, only calls
  // that are safe in a child of a threaded process.
  std::vector<std::string> environment;
  for (char** entry = environ; *entry; ++entry)
    if (std::strncmp(*entry, "ORCH_", 5) != 0) environment.emplace_back(*entry); // the host's settings are not the worker's
  for (const auto& [key, value] : proc.spec.environment) environment.push_back(key + "=" + value);
  // Under RLIMIT_DATA every malloc arena (64 MiB reserved each) counts: keep them few.
  if (!proc.group || !proc.group->memoryLimited) environment.push_back("MALLOC_ARENA_MAX=2");
  environment.push_back("ORCH_SERVER__DATA_DIR=" + folder + "/data");
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string executable = settings_.executable, command = "worker";
  char* argv[] = {executable.data(), command.data(), nullptr};
  std::vector<std::string> procsFiles;
  if (proc.group)
    for (const auto& dir : proc.group->dirs) procsFiles.push_back(dir + "/cgroup.procs");
  auto output = folder + "/output.log";
  bool isolate = proc.spec.network == "none" && netnsAllowed_;
  rlim_t memoryLimit = (!proc.group || !proc.group->memoryLimited) && proc.spec.memoryMib > 0
                           ? static_cast<rlim_t>(proc.spec.memoryMib) << 20
                           : RLIM_INFINITY;
  long ceiling = descriptorCeiling();
  pid_t parent = getpid();
  int errors[2];
  if (pipe2(errors, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed: " + std::string(std::strerror(errno)));

  pid_t child = fork();
  if (child < 0) {
    close(errors[0]);
    close(errors[1]);
    throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
  }
  if (child == 0) {
    // "<what>:<errno>", formatted by hand: strerror is no call for a forked child (the parent says it).
    auto fail = [&](const char* what) {
      int code = errno;
      char digits[16];
      int length = 0;
      do digits[length++] = static_cast<char>('0' + code % 10); while ((code /= 10) > 0 && length < 15);
      char text[160];
      std::size_t at = 0;
      for (const char* c = what; *c && at < 120; ++c) text[at++] = *c;
      text[at++] = ':';
      while (length > 0) text[at++] = digits[--length];
      [[maybe_unused]] auto written = write(errors[1], text, at);
      _exit(127);
    };
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0); // the host died before the line above
    // In its groups before it allocates anything ("0" is the writer itself).
    for (const auto& file : procsFiles) {
      int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write(fd, "0", 1) != 1) fail("joining its control group");
      close(fd);
    }
    if (memoryLimit != RLIM_INFINITY) {
      rlimit limit{memoryLimit, memoryLimit};
      if (setrlimit(RLIMIT_DATA, &limit) != 0) fail("setting RLIMIT_DATA");
    }
    if (isolate && unshare(CLONE_NEWNET) != 0) fail("making its network namespace");
    int out = open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || null < 0) fail("opening its output");
    dup2(null, 0);
    dup2(out, 1);
    dup2(out, 2);
    // Nothing of the host's (sockets, the database) goes with it but the error pipe, closed by exec.
    auto keep = static_cast<unsigned>(errors[1]);
    if ((keep > 3 && syscall(SYS_close_range, 3u, keep - 1, 0) != 0) || syscall(SYS_close_range, keep + 1, ~0u, 0) != 0)
      for (long fd = 3; fd < ceiling; ++fd)
        if (fd != errors[1]) close(static_cast<int>(fd));
    execve(argv[0], argv, envp.data());
    fail("starting the worker");
  }
  close(errors[1]);
  char message[512] = {};
  ssize_t got = 0;
  do got = read(errors[0], message, sizeof message - 1); while (got < 0 && errno == EINTR);
  close(errors[0]);
  if (got > 0) {
    int status = 0;
    waitpid(child, &status, 0);
    std::string said(message, static_cast<std::size_t>(got));
    auto colon = said.rfind(':');
    auto reason = colon == std::string::npos ? said : said.substr(0, colon) + ": " + std::strerror(std::atoi(said.c_str() + colon + 1));
    throw std::runtime_error("the worker could not start (" + reason + ")");
  }
  proc.pid = child;
  proc.status = "running";
  // exitCode, oomKilled and error stay: why it last ended, which the host reads after the restart.
  proc.startedAt = orch::rfc3339Millis(orch::nowMs());
  if (proc.group) proc.oomKillsSeen = cgroups_.oomKills(*proc.group);
  std::ostringstream said;
  said << "started the worker (pid " << child << "), limits by " << proc.enforcedBy;
  if (proc.spec.memoryMib > 0) said << ", memory " << proc.spec.memoryMib << " MiB";
  if (proc.spec.cpus > 0) said << ", cpus " << proc.spec.cpus;
  said << ", network " << (isolate ? "none (a namespace of its own)" : "shared");
  note(proc, "INFO", said.str());
}

void ProcessRuntime::reap() {
  std::vector<std::shared_ptr<Proc>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, proc] : procs_) all.push_back(proc);
  }
  auto now = Clock::now();
  for (auto& proc : all) {
    if (proc->status == "restarting" && now >= proc->restartAt) {
      try {
        spawn(*proc);
      } catch (const std::exception& e) {
        proc->status = "exited";
        proc->error = e.what();
        note(*proc, "ERROR", e.what());
      }
      continue;
    }
    if (proc->status != "running" || proc->pid <= 0) continue;
    int status = 0;
    if (waitpid(static_cast<pid_t>(proc->pid), &status, WNOHANG) != proc->pid) continue;
    proc->pid = 0;
    bool oom = proc->group && cgroups_.oomKills(*proc->group) > proc->oomKillsSeen;
    proc->oomKilled = oom;
    if (WIFEXITED(status)) {
      proc->exitCode = WEXITSTATUS(status);
      proc->error = "exited with status " + std::to_string(*proc->exitCode);
    } else {
      int signal = WTERMSIG(status);
      proc->exitCode = 128 + signal;
      proc->error = std::string("killed by signal ") + strsignal(signal);
      if (oom) proc->error = "killed for memory (its limit is " + std::to_string(proc->spec.memoryMib) + " MiB)";
    }
    // A worker that says it is done (exit 0: its token was refused) is not started again.
    bool again = !proc->stopping && proc->exitCode != 0 && proc->restartCount < proc->spec.maxRestarts;
    if (!again) {
      proc->status = "exited";
      note(*proc, proc->exitCode == 0 ? "INFO" : "ERROR", "the worker " + proc->error);
      continue;
    }
    proc->restartCount += 1;
    auto delay = std::chrono::milliseconds(std::min<std::int64_t>(100LL << std::min(proc->restartCount - 1, 7), 10000));
    proc->status = "restarting";
    proc->restartAt = Clock::now() + delay;
    note(*proc, "WARNING", "the worker " + proc->error + "; starting it again in " + std::to_string(delay.count()) +
                               " ms (restart " + std::to_string(proc->restartCount) + " of " +
                               std::to_string(proc->spec.maxRestarts) + ")");
  }
}

void ProcessRuntime::kill(Proc& proc) {
  proc.stopping = true;
  if (proc.status == "running" && proc.pid > 0) {
    auto pid = static_cast<pid_t>(proc.pid);
    ::kill(-pid, SIGTERM); // its session: the worker and anything it started
    int status = 0;
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (waitpid(pid, &status, WNOHANG) != pid) {
      if (Clock::now() >= deadline) {
        ::kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    proc.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  proc.pid = 0;
  proc.status = "exited";
}

runtime::Container ProcessRuntime::start(const runtime::StartRequest& request) {
  auto proc = std::make_shared<Proc>();
  proc->id = "proc-" + orch::newId().substr(0, 8) + orch::newId().substr(0, 4);
  proc->spec = request;
  if (request.network != "shared" && request.network != "none")
    throw orch::HttpError::validation("resource_limits.network_isolation", "Expected shared or none");
  proc->group = cgroups_.create(proc->id, request.cpus, request.memoryMib << 20, proc->notes);
  if (proc->group) {
    proc->enforcedBy = cgroups_.kind();
  } else {
    proc->enforcedBy = "rlimit";
    proc->notes.push_back("no control group here: memory is limited by RLIMIT_DATA (the worker's heap, stacks and "
                          "private mappings), CPU is not limited");
  }
  if (request.network == "none" && !netnsAllowed_)
    proc->notes.push_back("network_isolation none needs a network namespace, which this host may not make: the network is shared");
  fs::create_directories(settings_.dir + "/" + proc->id);
  for (const auto& text : proc->notes) note(*proc, "WARNING", text);
  try {
    onSupervisor([this, proc] { spawn(*proc); });
  } catch (...) {
    if (proc->group) Cgroups::remove(*proc->group);
    std::error_code ignored;
    fs::remove_all(settings_.dir + "/" + proc->id, ignored);
    throw;
  }
  std::lock_guard lock(mutex_);
  procs_[proc->id] = proc;
  return view(*proc); // not yet known to the supervisor's reaping: no race
}

void ProcessRuntime::remove(const std::string& id) {
  auto proc = find(id);
  if (!proc) return;
  onSupervisor([this, proc] {
    kill(*proc);
    if (proc->group) Cgroups::remove(*proc->group);
  });
  {
    std::lock_guard lock(mutex_);
    procs_.erase(id);
  }
  cpu_.forget(id);
  std::error_code ignored;
  fs::remove_all(settings_.dir + "/" + id, ignored);
}

runtime::Container ProcessRuntime::restart(const std::string& id) {
  auto proc = find(id);
  if (!proc) return inspect(id);
  runtime::Container out;
  onSupervisor([this, proc, &out] {
    kill(*proc);
    proc->stopping = false;
    note(*proc, "INFO", "restarting the worker, as asked");
    spawn(*proc);
    out = view(*proc);
  });
  return out;
}

std::shared_ptr<ProcessRuntime::Proc> ProcessRuntime::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto found = procs_.find(id);
  return found == procs_.end() ? nullptr : found->second;
}

runtime::Container ProcessRuntime::view(const Proc& proc) const {
  runtime::Container c;
  c.id = proc.id;
  c.status = proc.status;
  c.labels = proc.spec.labels;
  c.startedAt = proc.startedAt;
  c.restartCount = proc.restartCount;
  c.exitCode = proc.exitCode;
  c.oomKilled = proc.oomKilled;
  c.error = proc.error;
  c.limits = {{"cpus", proc.spec.cpus},
              {"memory_mib", proc.spec.memoryMib},
              {"network", proc.spec.network == "none" && netnsAllowed_ ? "none" : "shared"},
              {"enforced_by", proc.enforcedBy},
              {"pid", proc.pid > 0 ? orch::json(proc.pid) : orch::json()}};
  c.notes = proc.notes;
  return c;
}

runtime::Container ProcessRuntime::inspect(const std::string& id) {
  auto proc = find(id);
  if (!proc) {
    runtime::Container missing;
    missing.id = id;
    missing.status = "missing";
    return missing;
  }
  runtime::Container out;
  onSupervisor([&] { out = view(*proc); }); // the supervisor writes a process's fields
  return out;
}

std::optional<std::int64_t> ProcessRuntime::cpuNanos(const Proc& proc) const {
  if (proc.group)
    if (auto nanos = cgroups_.cpuNanos(*proc.group)) return nanos;
  // /proc/<pid>/stat: utime and stime, fields 14 and 15, after the command in parentheses.
  auto stat = readFile("/proc/" + std::to_string(proc.pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  std::int64_t user = 0, system = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) user = std::stoll(field);
    if (i == 15) system = std::stoll(field);
  }
  return (user + system) * (1000000000LL / sysconf(_SC_CLK_TCK));
}

runtime::Usage ProcessRuntime::stats(const std::string& id) {
  runtime::Usage usage;
  auto found = find(id);
  if (!found) return usage;
  // The supervisor owns the process's fields: a copy taken there, the pid with it.
  std::shared_ptr<Proc> proc;
  onSupervisor([&] { proc = std::make_shared<Proc>(*found); });
  if (proc->pid <= 0) return usage;
  std::int64_t memory = -1;
  if (proc->group) memory = cgroups_.memoryBytes(*proc->group).value_or(-1);
  if (memory < 0) {
    std::istringstream status(readFile("/proc/" + std::to_string(proc->pid) + "/status"));
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmRSS:", 0) == 0) memory = std::stoll(line.substr(6)) * 1024;
  }
  usage.memoryUsageMib = static_cast<double>(std::max<std::int64_t>(memory, 0)) / (1 << 20);
  auto limit = proc->group ? cgroups_.memoryLimitBytes(*proc->group) : std::nullopt;
  usage.memoryLimitMib = limit ? static_cast<double>(*limit) / (1 << 20) : static_cast<double>(proc->spec.memoryMib);
  usage.cpuPercent = cpu_.percent(id, [this, proc] { return cpuNanos(*proc); });
  auto [rx, tx] = networkBytes(proc->pid);
  usage.networkRx = rx;
  usage.networkTx = tx;
  return usage;
}

orch::json ProcessRuntime::logs(const runtime::LogQuery& query) {
  LogLines lines(query.since, query.until, query.tail);
  auto folder = settings_.dir + "/" + query.containerId;
  if (query.containerId.empty() || query.containerId.find('/') != std::string::npos || !find(query.containerId))
    return lines.take();
  std::string previous = orch::rfc3339Millis(orch::nowMs());
  for (auto [file, source] : {std::pair{"/output.log", "container"}, std::pair{"/runtime.log", "runtime"}}) {
    std::ifstream in(folder + file);
    for (std::string line; std::getline(in, line);) lines.add(line, source, previous);
  }
  return lines.take();
}

std::vector<runtime::Container> ProcessRuntime::list(const std::map<std::string, std::string>& labels) {
  std::vector<runtime::Container> out;
  onSupervisor([&] {
    std::lock_guard lock(mutex_);
    for (const auto& [id, proc] : procs_) {
      bool all = std::all_of(labels.begin(), labels.end(), [&](const auto& label) {
        auto found = proc->spec.labels.find(label.first);
        return found != proc->spec.labels.end() && found->second == label.second;
      });
      if (all) out.push_back(view(*proc));
    }
  });
  return out;
}

} // namespace containers
