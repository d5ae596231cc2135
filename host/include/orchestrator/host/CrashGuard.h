#pragma once

#include <string>

namespace orch::host {

/// Runs a plugin's call so that a crash on the calling thread (SIGSEGV,
/// SIGBUS, SIGFPE, SIGILL, SIGABRT, a stack overflow included) comes back to
/// the caller as a failed call instead of ending the host. The call is cut
/// short where it crashed: its destructors do not run and any lock it held
/// stays held, so whoever hears of a crash must stop calling that plugin.
/// A crash outside a guarded call ends the process as it always did.
class CrashGuard {
public:
  /// Calls `call(context)`; 0 when it returned, else the signal it crashed with.
  /// Guarded calls nest (a step that runs another plugin's step).
  static int run(void (*call)(void*), void* context);

  /// Runs any callable; see run().
  template <typename Call>
  static int run(Call& call) {
    return run([](void* callable) { (*static_cast<Call*>(callable))(); }, &call);
  }

  /// "SIGSEGV" for SIGSEGV, and so on.
  static std::string signalName(int signal);
};

} // namespace orch::host
