#include "orchestrator/host/CrashGuard.h"

#include <csetjmp>
#include <csignal>
#include <mutex>
#include <vector>

namespace orch::host {
namespace {

constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

/// One guarded call in progress on this thread; the innermost is current.
struct Frame {
  sigjmp_buf jump;
  volatile sig_atomic_t signal = 0;
  Frame* outer = nullptr;
};
thread_local Frame* current = nullptr;

/// A stack for the handler, so that a call that overflowed its own stack
/// can still be brought back. Made on the first guarded call of each thread.
struct AlternateStack {
  AlternateStack() : memory(64 * 1024) {
    stack_t existing{};
    if (sigaltstack(nullptr, &existing) == 0 && !(existing.ss_flags & SS_DISABLE)) return; // someone else's
    stack_t stack{};
    stack.ss_sp = memory.data();
    stack.ss_size = memory.size();
    installed = sigaltstack(&stack, nullptr) == 0;
  }
  ~AlternateStack() {
    if (!installed) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
  }
  std::vector<char> memory;
  bool installed = false;
};

void onCrash(int signal, siginfo_t*, void*) {
  if (Frame* frame = current) {
    frame->signal = signal;
    current = frame->outer;
    siglongjmp(frame->jump, 1);
  }
  // The host's own crash: end the process the way it would have ended. For a
  // fault, returning runs the faulting instruction again, now fatally.
  std::signal(signal, SIG_DFL);
  if (signal == SIGABRT) std::raise(signal);
}

void installHandlers() {
  struct sigaction action {};
  action.sa_sigaction = &onCrash;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (int signal : kCrashSignals) sigaction(signal, &action, nullptr);
}

} // namespace

int CrashGuard::run(void (*call)(void*), void* context) {
  static std::once_flag installed;
  std::call_once(installed, installHandlers);
  thread_local AlternateStack alternateStack;

  Frame frame;
  frame.outer = current;
  // Not saving the signal mask keeps a syscall off every call; after a jump
  // the handler's signal is still blocked, so it is unblocked by hand.
  if (sigsetjmp(frame.jump, 0) != 0) {
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, frame.signal);
    pthread_sigmask(SIG_UNBLOCK, &blocked, nullptr);
    return frame.signal;
  }
  current = &frame;
  call(context);
  current = frame.outer;
  return 0;
}

std::string CrashGuard::signalName(int signal) {
  switch (signal) {
  case SIGSEGV: return "SIGSEGV";
  case SIGBUS: return "SIGBUS";
  case SIGFPE: return "SIGFPE";
  case SIGILL: return "SIGILL";
  case SIGABRT: return "SIGABRT";
  default: return "signal " + std::to_string(signal);
  }
}

} // namespace orch::host
