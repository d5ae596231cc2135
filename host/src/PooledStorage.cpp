// Storage over a Poco::Data session pool, on SQLite or PostgreSQL.
//
// Poco::Data owns the connections: its connectors open them, its SessionPool
// shares them, each caller holds one pooled Session. Statements, though, run
// through the session's native handle (sqlite3*, PGconn*), because Poco 1.11's
// Statement/RecordSet lose what this layer promises to keep (checked on
// bookworm's 1.11.0):
// - SQLite: columns are typed by their declared type, so `SELECT count(*)`
//   comes back as the string "2", an `INT` column is cut to 32 bits, and a
//   declared type Poco does not know (`JSON`) throws NotFoundException;
// - PostgreSQL: every `$<digit>` in the text counts as a placeholder, so
//   'costs $5' or a function body using $1 cannot run; timestamps lose their
//   fraction, 'infinity' becomes the current time, UUIDs come back empty, and
//   each statement costs four round trips (prepare, describe, execute,
//   deallocate) where PQexecParams needs one.

#include "orchestrator/host/Storage.h"

#include "StorageDialect.h"
#include "StorageTarget.h"

#include <Poco/Data/DataException.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/Exception.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace orch::host {
namespace {

using namespace storage_detail;
using nlohmann::json;
using Poco::Data::Session;

/// How long a caller waits for a pooled session when all are in use.
constexpr std::chrono::seconds kSessionWait{30};

/// A Poco pool whose new sessions get the dialect's per-connection settings.
class PreparingSessionPool final : public Poco::Data::SessionPool {
public:
  PreparingSessionPool(const Target& target, const Storage::Options& options)
      : SessionPool(target.connector, target.connectionString, options.poolMin, options.poolMax,
                    idleSeconds(*target.dialect)),
        _dialect(*target.dialect) {}

protected:
  void customizeSession(Session& session) override { _dialect.prepareSession(session); }

private:
  /// How long an idle session stays open. SQLite connections are cheap and
  /// hold the prepared statements the dialect keeps for them (released only
  /// with the dialect), so they stay for a week; a server's, a minute.
  static int idleSeconds(const Dialect& dialect) {
    return dialect.backend() == Storage::Backend::SQLite ? 7 * 24 * 3600 : 60;
  }

  const Dialect& _dialect;
};

class PooledStorage;

/// One pooled session held by one caller; giving it back wakes a caller
/// waiting for a session.
class SessionLease {
public:
  SessionLease(Session session, PooledStorage& storage);
  SessionLease(SessionLease&&) noexcept = default;
  SessionLease& operator=(SessionLease&&) = delete;
  ~SessionLease();

  Session& session() { return *_session; }

private:
  std::unique_ptr<Session> _session;
  PooledStorage* _storage;
};

/// A transaction on one leased session, rolled back unless committed. The
/// session goes back to the pool as soon as the transaction ends.
class PooledTransaction final : public StorageTransaction {
public:
  PooledTransaction(PooledStorage& storage, SessionLease lease);
  ~PooledTransaction() override;

  void commit() override { finish("COMMIT"); }
  void rollback() override { finish("ROLLBACK"); }

  /// The session, while the transaction is open.
  Session& session();
  const PooledStorage& storage() const { return _storage; }

private:
  void finish(const std::string& statement);

  PooledStorage& _storage;
  std::optional<SessionLease> _lease;
};

/// Storage on a PreparingSessionPool.
class PooledStorage final : public Storage {
public:
  PooledStorage(Target target, const Options& options)
      : _target(std::move(target)), _pool(_target, options) {}

  Backend backend() const override { return _target.dialect->backend(); }
  const Target& target() const { return _target; }

  json query(const std::string& sql, const json& params, StorageTransaction* txn) override {
    return runPortable(sql, params, txn).rows;
  }

  std::uint64_t execute(const std::string& sql, const json& params, StorageTransaction* txn) override {
    return runPortable(sql, params, txn).affected;
  }

  void executeScript(const std::string& script, StorageTransaction* txn) override {
    const auto statements = splitStatements(script);
    withSession(txn, [&](Session& session) {
      for (const auto& statement : statements) runNative(session, statement, {});
    });
  }

  std::unique_ptr<StorageTransaction> begin() override {
    return std::make_unique<PooledTransaction>(*this, lease());
  }

  std::chrono::microseconds ping() override {
    const auto start = std::chrono::steady_clock::now();
    query("SELECT 1", json::array(), nullptr);
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  }

  std::string libpqConninfo() const override {
    return backend() == Backend::PostgreSQL ? _target.connectionString : std::string();
  }

  /// A session of the pool for one caller. Poco's pool throws when all are in
  /// use; this waits up to kSessionWait for one to come back.
  SessionLease lease() {
    // Poco 1.11 leaks every PGconn that fails to connect (about 35 KB): during
    // an outage each request would. PQping cleans up after itself. Only when
    // the pool is about to connect, and not before the first connection,
    // whose failure message says more.
    const bool wouldConnect = _pool.idle() == 0 && _pool.allocated() < _pool.capacity();
    if (_connectedOnce && wouldConnect && !_target.dialect->serverResponds(_target.connectionString)) {
      throw StorageError("the database server does not respond: " + _target.description);
    }
    const auto deadline = std::chrono::steady_clock::now() + kSessionWait;
    std::unique_lock lock(_returnMutex);
    for (;;) {
      const std::uint64_t returnsSeen = _returns;
      lock.unlock();
      try {
        SessionLease leased(guarded("while opening a session", [&] { return _pool.get(); }), *this);
        _connectedOnce = true;
        return leased;
      } catch (const Poco::Data::SessionPoolExhaustedException&) {
      }
      lock.lock();
      if (!_returned.wait_until(lock, deadline, [&] { return _returns != returnsSeen; })) {
        throw StorageError("no database session free after " + std::to_string(kSessionWait.count()) +
                           " s: all " + std::to_string(_pool.capacity()) + " are in use (storage pool maximum)");
      }
    }
  }

  /// Called by a SessionLease once its session is back in the pool.
  void sessionReturned() {
    {
      std::lock_guard lock(_returnMutex);
      ++_returns;
    }
    _returned.notify_all();
  }

  /// Runs a native statement; every failure becomes a StorageError.
  Dialect::Result runNative(Session& session, const std::string& sql, const std::vector<Param>& params) {
    return guarded("statement: " + excerpt(sql), [&] { return _target.dialect->run(session, sql, params); });
  }

private:
  Dialect::Result runPortable(const std::string& sql, const json& params, StorageTransaction* txn) {
    const auto bound = toParams(params, sql);
    const std::string native = _target.dialect->nativeSql(sql, bound.size());
    return withSession(txn, [&](Session& session) { return runNative(session, native, bound); });
  }

  template <typename F> std::invoke_result_t<F&, Session&> withSession(StorageTransaction* txn, F&& work) {
    if (txn) return work(transaction(txn).session());
    SessionLease leased = lease();
    return work(leased.session());
  }

  PooledTransaction& transaction(StorageTransaction* txn) const {
    auto* own = dynamic_cast<PooledTransaction*>(txn);
    if (!own || &own->storage() != this) throw StorageError("the transaction belongs to another Storage");
    return *own;
  }

  /// Poco's pool and sessions throw Poco exceptions, which may quote the
  /// connection string.
  template <typename F> std::invoke_result_t<F&> guarded(const std::string& context, F&& work) {
    try {
      return work();
    } catch (const StorageError&) {
      throw;
    } catch (const Poco::Data::SessionPoolExhaustedException&) {
      throw;
    } catch (const Poco::Exception& e) {
      throw StorageError(withoutSecret(oneLine(e.displayText()), _target.secret) + "; " + context);
    } catch (const std::exception& e) {
      throw StorageError(withoutSecret(oneLine(e.what()), _target.secret) + "; " + context);
    }
  }

  Target _target;
  PreparingSessionPool _pool;
  std::mutex _returnMutex;
  std::condition_variable _returned;
  std::uint64_t _returns = 0;
  std::atomic<bool> _connectedOnce{false};
};

SessionLease::SessionLease(Session session, PooledStorage& storage)
    : _session(std::make_unique<Session>(std::move(session))), _storage(&storage) {}

SessionLease::~SessionLease() {
  if (!_session) return;
  _session.reset(); // back into the pool before anyone is woken
  _storage->sessionReturned();
}

PooledTransaction::PooledTransaction(PooledStorage& storage, SessionLease lease)
    : _storage(storage), _lease(std::move(lease)) {
  _storage.runNative(_lease->session(), _storage.target().dialect->beginStatement(), {});
}

PooledTransaction::~PooledTransaction() {
  if (!_lease) return;
  try {
    finish("ROLLBACK");
  } catch (...) {
    // Nothing to do: a session whose connection broke leaves the pool.
  }
}

Session& PooledTransaction::session() {
  if (!_lease) throw StorageError("the transaction is already committed or rolled back");
  return _lease->session();
}

void PooledTransaction::finish(const std::string& statement) {
  session(); // throws once finished
  SessionLease lease = std::move(*_lease); // back to the pool, whatever happens
  _lease.reset();
  Session& current = lease.session();
  try {
    _storage.runNative(current, statement, {});
  } catch (...) {
    // SQLite keeps the transaction open when COMMIT fails; the session must
    // not go back to the pool inside it.
    if (statement != "ROLLBACK") {
      try {
        _storage.runNative(current, "ROLLBACK", {});
      } catch (...) {
      }
    }
    throw;
  }
}

} // namespace

std::unique_ptr<Storage> Storage::open(const Options& options) {
  if (options.poolMax < 1 || options.poolMin < 0 || options.poolMin > options.poolMax) {
    throw StorageError("storage pool: need 0 <= poolMin <= poolMax and poolMax >= 1");
  }
  registerConnectors();
  Target target = resolveTarget(options);
  const std::string description = target.description;
  auto storage = std::make_unique<PooledStorage>(std::move(target), options);
  try {
    storage->ping();
  } catch (const StorageError& e) {
    throw StorageError("cannot open storage " + description + ": " + e.what());
  }
  return storage;
}

std::string Storage::backendName() const {
  return backend() == Backend::SQLite ? "sqlite" : "postgresql";
}

} // namespace orch::host
