#include "orchestrator/host/Storage.h"

#include "TestPostgres.h"

#include <Poco/URI.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <random>
#include <regex>
#include <thread>

#include <unistd.h>

namespace orch::host {

/// Test names and messages say "SQLite", not "4-byte object <00-00 00-00>".
void PrintTo(Storage::Backend backend, std::ostream* out) {
  *out << (backend == Storage::Backend::SQLite ? "SQLite" : "PostgreSQL");
}

} // namespace orch::host

namespace {

using nlohmann::json;
using orch::host::applyMigrations;
using orch::host::Migration;
using orch::host::Storage;
using orch::host::StorageError;
using Backend = Storage::Backend;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

/// A name no other test, process or earlier run uses.
std::string uniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const auto seed = std::random_device{}();
  return prefix + std::to_string(::getpid()) + "_" + std::to_string(seed % 100000) + "_" + std::to_string(++counter);
}

testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  const bool found = text.find(part) != std::string::npos;
  return (found ? testing::AssertionSuccess() : testing::AssertionFailure())
         << '"' << text << (found ? "\" contains \"" : "\" lacks \"") << part << '"';
}

/// The message of the StorageError `work` throws; fails the test when none.
template <typename F> std::string storageErrorOf(F&& work) {
  try {
    work();
  } catch (const StorageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a StorageError";
  return {};
}

/// A fresh, empty database for one test: a temporary directory for SQLite; on
/// PostgreSQL a schema of its own, which the URL's `options` make the
/// search_path of every pooled session.
class ScratchDatabase {
public:
  ScratchDatabase(Backend backend, const std::string& postgresUrl) {
    if (backend == Backend::SQLite) {
      _directory = std::filesystem::temp_directory_path() / uniqueName("orch-storage-");
      options.dataDir = _directory.string();
      return;
    }
    _postgresUrl = postgresUrl;
    _schema = uniqueName("test_");
    admin()->execute("CREATE SCHEMA " + _schema, json::array());
    options.url = postgresUrl + (postgresUrl.find('?') == std::string::npos ? "?" : "&") +
                  "options=-csearch_path%3D" + _schema;
  }

  ~ScratchDatabase() {
    try {
      if (!_schema.empty()) admin()->execute("DROP SCHEMA " + _schema + " CASCADE", json::array());
    } catch (const StorageError& e) {
      ADD_FAILURE() << e.what();
    }
    std::error_code ignored;
    if (!_directory.empty()) std::filesystem::remove_all(_directory, ignored);
  }

  Storage::Options options;

private:
  std::unique_ptr<Storage> admin() const {
    Storage::Options adminOptions;
    adminOptions.url = _postgresUrl;
    adminOptions.poolMax = 1;
    return Storage::open(adminOptions);
  }

  std::filesystem::path _directory;
  std::string _postgresUrl;
  std::string _schema;
};

class StorageTest : public testing::TestWithParam<Backend> {
protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == Backend::PostgreSQL) ORCH_REQUIRE_POSTGRES(url);
    _database = std::make_unique<ScratchDatabase>(GetParam(), url);
    storage = open();
  }

  void TearDown() override {
    storage.reset();
    _database.reset();
  }

  /// Another Storage on the same database, as a second host would have.
  std::unique_ptr<Storage> open(int poolMax = 16) const {
    auto options = _database->options;
    options.poolMax = poolMax;
    return Storage::open(options);
  }

  bool onPostgres() const { return GetParam() == Backend::PostgreSQL; }

  /// A table with a generated key, as each backend spells it.
  void createNotes() {
    storage->executeScript(onPostgres() ? "CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)"
                                        : "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }

  void insertNote(const std::string& body, orch::host::StorageTransaction* txn = nullptr) {
    storage->execute("INSERT INTO notes (body) VALUES (?)", json::array({body}), txn);
  }

  std::int64_t count(const std::string& table) {
    return storage->query("SELECT COUNT(*) AS n FROM " + table, json::array())[0]["n"].get<std::int64_t>();
  }

  std::unique_ptr<Storage> storage;

private:
  std::unique_ptr<ScratchDatabase> _database;
};

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, testing::Values(Backend::SQLite, Backend::PostgreSQL),
                         [](const auto& info) { return testing::PrintToString(info.param); });

TEST_P(StorageTest, NamesItsBackend) {
  EXPECT_EQ(storage->backend(), GetParam());
  EXPECT_EQ(storage->backendName(), onPostgres() ? "postgresql" : "sqlite");
}

TEST_P(StorageTest, PingMeasuresARoundTrip) {
  const auto elapsed = storage->ping();
  EXPECT_GE(elapsed.count(), 0);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_P(StorageTest, RoundTripsEveryType) {
  storage->executeScript("CREATE TABLE everything (id INTEGER PRIMARY KEY, words TEXT, biggest BIGINT, "
                         "smallest BIGINT, parsed BIGINT, real_number DOUBLE PRECISION, flag BOOLEAN, "
                         "absent TEXT, document TEXT)");
  const std::string unicode = "héllo wörld ✓ 日本語 🚀 \"quoted\" \\ back";
  const json document = {{"list", {1, "two", nullptr, 3.5}}, {"ünïcode", true}};
  // Parsed JSON holds non-negative integers as unsigned.
  const json parsed = json::parse("[42]")[0];
  ASSERT_TRUE(parsed.is_number_unsigned());

  storage->execute("INSERT INTO everything VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   json::array({1, unicode, kInt64Max, kInt64Min, parsed, 3.141592653589793, true, nullptr, document}));
  const json rows = storage->query("SELECT * FROM everything", json::array());

  ASSERT_EQ(rows.size(), 1u);
  const json& row = rows[0];
  EXPECT_EQ(row["id"], 1);
  EXPECT_EQ(row["words"], unicode);
  EXPECT_TRUE(row["biggest"].is_number_integer());
  EXPECT_EQ(row["biggest"].get<std::int64_t>(), kInt64Max);
  EXPECT_EQ(row["smallest"].get<std::int64_t>(), kInt64Min);
  EXPECT_EQ(row["parsed"], 42);
  EXPECT_EQ(row["real_number"].get<double>(), 3.141592653589793);
  // SQLite has no boolean: it stores 1.
  EXPECT_EQ(row["flag"], onPostgres() ? json(true) : json(1));
  EXPECT_TRUE(row["absent"].is_null());
  EXPECT_EQ(json::parse(row["document"].get<std::string>()), document);
}

TEST_P(StorageTest, RoundTripsAwkwardReals) {
  storage->executeScript("CREATE TABLE reals (x DOUBLE PRECISION)");
  for (const double value : {0.1, -2.5e-300, 1e300, 123456789.123456789}) {
    storage->execute("INSERT INTO reals VALUES (?)", json::array({value}));
  }
  const json rows = storage->query("SELECT x FROM reals", json::array());
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0]["x"].get<double>(), 0.1);
  EXPECT_EQ(rows[1]["x"].get<double>(), -2.5e-300);
  EXPECT_EQ(rows[2]["x"].get<double>(), 1e300);
  EXPECT_EQ(rows[3]["x"].get<double>(), 123456789.123456789);
}

TEST_P(StorageTest, ExpressionsKeepTheirTypes) {
  storage->executeScript("CREATE TABLE numbers (n INTEGER); INSERT INTO numbers VALUES (1); "
                         "INSERT INTO numbers VALUES (2); INSERT INTO numbers VALUES (3)");
  const json row = storage->query("SELECT COUNT(*) AS how_many, SUM(n) AS total, 1.5 AS half, 'x' AS letter, "
                                  "NULL AS absent, ? AS echoed FROM numbers",
                                  json::array({7}))[0];
  EXPECT_EQ(row["how_many"], 3);
  EXPECT_TRUE(row["how_many"].is_number_integer());
  EXPECT_EQ(row["total"], 6);
  EXPECT_TRUE(row["total"].is_number_integer());
  EXPECT_EQ(row["half"], 1.5);
  EXPECT_EQ(row["letter"], "x");
  EXPECT_TRUE(row["absent"].is_null());
  EXPECT_EQ(row["echoed"], 7);
}

TEST_P(StorageTest, StoresSqlMetacharactersLiterally) {
  createNotes();
  const std::vector<std::string> nasty = {"'; DROP TABLE notes; --", "Robert'); DROP TABLE notes;--", "?", "$1",
                                          "\" OR 1=1 --", "/* not a comment */", "$$;$$"};
  for (const auto& body : nasty) insertNote(body);

  const json rows = storage->query("SELECT body FROM notes ORDER BY id", json::array());
  ASSERT_EQ(rows.size(), nasty.size());
  for (std::size_t i = 0; i < nasty.size(); ++i) EXPECT_EQ(rows[i]["body"], nasty[i]);
}

TEST_P(StorageTest, QuestionMarksInLiteralsAreNotPlaceholders) {
  const json row = storage->query("SELECT '?' AS mark, 'it''s ?' AS escaped, ? AS bound, 1 AS \"odd?name\" "
                                  "/* ? */ -- ?\n",
                                  json::array({"value"}))[0];
  EXPECT_EQ(row["mark"], "?");
  EXPECT_EQ(row["escaped"], "it's ?");
  EXPECT_EQ(row["bound"], "value");
  EXPECT_EQ(row["odd?name"], 1);
}

TEST_P(StorageTest, DollarSignsInLiteralsAreText) {
  // Poco 1.11's PostgreSQL statements would count "$5" as a placeholder.
  EXPECT_EQ(storage->query("SELECT 'costs $5' AS price", json::array())[0]["price"], "costs $5");
}

TEST_P(StorageTest, ReturningGivesTheInsertedRow) {
  createNotes();
  insertNote("first");
  const json rows = storage->query("INSERT INTO notes (body) VALUES (?) RETURNING id, body", json::array({"second"}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["id"], 2);
  EXPECT_EQ(rows[0]["body"], "second");
}

TEST_P(StorageTest, ExecuteCountsAffectedRows) {
  createNotes();
  EXPECT_EQ(storage->execute("INSERT INTO notes (body) VALUES (?), (?), (?)", json::array({"a", "b", "c"})), 3u);
  EXPECT_EQ(storage->execute("UPDATE notes SET body = ? WHERE id <= ?", json::array({"x", 2})), 2u);
  EXPECT_EQ(storage->execute("UPDATE notes SET body = 'y' WHERE id > 100", json::array()), 0u);
  EXPECT_EQ(storage->execute("CREATE TABLE other (x INTEGER)", json::array()), 0u);
  EXPECT_EQ(storage->execute("SELECT * FROM notes", json::array()), 0u);
  EXPECT_EQ(storage->execute("DELETE FROM notes", json::array()), 3u);
}

TEST_P(StorageTest, RejectsParametersThatAreNotAnArray) {
  EXPECT_TRUE(Contains(storageErrorOf([&] { storage->query("SELECT ?", json::object({{"a", 1}})); }), "array"));
  EXPECT_TRUE(Contains(storageErrorOf([&] { storage->execute("SELECT ?", json("text")); }), "array"));
}

TEST_P(StorageTest, RejectsAWrongNumberOfParameters) {
  EXPECT_TRUE(Contains(storageErrorOf([&] { storage->query("SELECT ? AS a, ? AS b", json::array({1})); }),
                       "2 placeholders but 1 parameters"));
  // PostgreSQL itself would ignore the surplus.
  EXPECT_TRUE(Contains(storageErrorOf([&] { storage->query("SELECT 1", json::array({1})); }),
                       "0 placeholders but 1 parameters"));
}

TEST_P(StorageTest, RejectsIntegersBeyondInt64) {
  const json tooBig = json::parse("[18446744073709551615]");
  EXPECT_TRUE(Contains(storageErrorOf([&] { storage->query("SELECT ?", tooBig); }), "parameter 1"));
}

TEST_P(StorageTest, ASyntaxErrorNamesTheStatementAndThePoolKeepsWorking) {
  const std::string message =
      storageErrorOf([&] { storage->query("SELEC oops FROM nowhere WHERE x = ?", json::array({"secret-value"})); });
  EXPECT_TRUE(Contains(message, "SELEC oops FROM nowhere"));
  EXPECT_FALSE(Contains(message, "secret-value"));

  for (int i = 0; i < 40; ++i) EXPECT_EQ(storage->query("SELECT ? AS i", json::array({i}))[0]["i"], i);
}

TEST_P(StorageTest, ErrorMessagesQuoteTheStartOfLongStatements) {
  const std::string longStatement = "SELEC " + std::string(300, 'x') + " THE_END";
  const std::string message = storageErrorOf([&] { storage->execute(longStatement, json::array()); });
  EXPECT_TRUE(Contains(message, "SELEC xxx"));
  EXPECT_FALSE(Contains(message, "THE_END"));
}

TEST_P(StorageTest, RejectsSeveralStatementsInOneQuery) {
  createNotes();
  storageErrorOf([&] { storage->query("SELECT 1; DELETE FROM notes", json::array()); });
}

TEST_P(StorageTest, ExecuteScriptRunsEveryStatement) {
  storage->executeScript("-- a table\n"
                         "CREATE TABLE script (x TEXT);\n"
                         "INSERT INTO script VALUES ('semi;colon');\n"
                         "/* and; another */ INSERT INTO script VALUES ('it''s');\n");
  const json rows = storage->query("SELECT x FROM script ORDER BY x DESC", json::array());
  EXPECT_EQ(rows, json::parse(R"([{"x": "semi;colon"}, {"x": "it's"}])"));
}

TEST_P(StorageTest, CommittedChangesStay) {
  createNotes();
  auto txn = storage->begin();
  insertNote("kept", txn.get());
  txn->commit();
  EXPECT_EQ(count("notes"), 1);
}

TEST_P(StorageTest, RolledBackChangesGo) {
  createNotes();
  auto txn = storage->begin();
  insertNote("dropped", txn.get());
  txn->rollback();
  EXPECT_EQ(count("notes"), 0);
}

TEST_P(StorageTest, DestroyingAnOpenTransactionRollsItBack) {
  createNotes();
  {
    auto txn = storage->begin();
    insertNote("dropped", txn.get());
  }
  EXPECT_EQ(count("notes"), 0);
}

TEST_P(StorageTest, OthersSeeATransactionsChangesOnlyOnceCommitted) {
  createNotes();
  auto txn = storage->begin();
  insertNote("pending", txn.get());
  // The same thread, without the transaction: another session, no deadlock.
  EXPECT_EQ(count("notes"), 0);
  EXPECT_EQ(storage->query("SELECT COUNT(*) AS n FROM notes", json::array(), txn.get())[0]["n"], 1);
  txn->commit();
  EXPECT_EQ(count("notes"), 1);
}

TEST_P(StorageTest, AFinishedTransactionCannotBeUsed) {
  auto txn = storage->begin();
  txn->commit();
  EXPECT_TRUE(Contains(storageErrorOf([&] { storage->query("SELECT 1", json::array(), txn.get()); }), "already"));
  storageErrorOf([&] { txn->commit(); });
}

TEST_P(StorageTest, ATransactionOfAnotherStorageIsRefused) {
  auto other = open();
  auto txn = other->begin();
  EXPECT_TRUE(Contains(storageErrorOf([&] { storage->query("SELECT 1", json::array(), txn.get()); }), "another Storage"));
}

TEST_P(StorageTest, ACommitAfterAFailedStatement) {
  createNotes();
  auto txn = storage->begin();
  insertNote("before", txn.get());
  storageErrorOf([&] { storage->execute("INSERT INTO missing VALUES (1)", json::array(), txn.get()); });
  if (onPostgres()) {
    // PostgreSQL aborts the whole transaction; its COMMIT rolls back.
    EXPECT_TRUE(Contains(storageErrorOf([&] { txn->commit(); }), "rolled back"));
    EXPECT_EQ(count("notes"), 0);
  } else {
    // SQLite undoes the failed statement alone.
    txn->commit();
    EXPECT_EQ(count("notes"), 1);
  }
  EXPECT_EQ(count("notes"), storage->query("SELECT COUNT(*) AS n FROM notes", json::array())[0]["n"]);
}

TEST_P(StorageTest, ConcurrentInsertsLoseNoRows) {
  createNotes();
  constexpr int kThreads = 8, kRowsEach = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRowsEach; ++i) {
        try {
          insertNote("thread " + std::to_string(t) + " row " + std::to_string(i));
        } catch (const StorageError& e) {
          ++failures;
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(count("notes"), kThreads * kRowsEach);
}

TEST_P(StorageTest, ConcurrentTransactionsLoseNoRows) {
  createNotes();
  constexpr int kThreads = 8, kTransactionsEach = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kTransactionsEach; ++i) {
        try {
          auto txn = storage->begin();
          const auto before = storage->query("SELECT COUNT(*) AS n FROM notes", json::array(), txn.get());
          insertNote("after " + before[0]["n"].dump(), txn.get());
          insertNote("and another", txn.get());
          txn->commit();
        } catch (const StorageError& e) {
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(count("notes"), kThreads * kTransactionsEach * 2);
}

TEST_P(StorageTest, WaitsForASessionWhenThePoolIsExhausted) {
  createNotes();
  auto small = open(/*poolMax=*/1);
  auto txn = small->begin();
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    small->execute("INSERT INTO notes (body) VALUES ('waited')", json::array());
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(done);
  txn->commit();
  waiter.join();
  EXPECT_TRUE(done);
  EXPECT_EQ(count("notes"), 1);
}

std::vector<Migration> notesMigrations() {
  return {
      // Listed out of order: version 2 needs the table of version 1.
      {"notes", 2, "add a title", "ALTER TABLE plugin_notes ADD COLUMN title TEXT", ""},
      {"notes", 1, "create notes", "CREATE TABLE plugin_notes (id INTEGER PRIMARY KEY, body TEXT)", ""},
      {"tags", 1, "create tags", "CREATE TABLE plugin_tags (name TEXT PRIMARY KEY); INSERT INTO plugin_tags VALUES ('a;b')",
       ""},
  };
}

TEST_P(StorageTest, MigrationsApplyOnceInVersionOrder) {
  EXPECT_EQ(applyMigrations(*storage, notesMigrations()), 3u);
  EXPECT_EQ(applyMigrations(*storage, notesMigrations()), 0u);

  storage->execute("INSERT INTO plugin_notes (id, body, title) VALUES (1, 'b', 't')", json::array());
  EXPECT_EQ(storage->query("SELECT name FROM plugin_tags", json::array())[0]["name"], "a;b");
  const json records = storage->query(
      "SELECT plugin, version, description, applied_at FROM orch_migrations ORDER BY plugin, version", json::array());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["plugin"], "notes");
  EXPECT_EQ(records[0]["version"], 1);
  EXPECT_EQ(records[0]["description"], "create notes");
  EXPECT_EQ(records[1]["version"], 2);
  EXPECT_EQ(records[2]["plugin"], "tags");
  EXPECT_TRUE(std::regex_match(records[0]["applied_at"].get<std::string>(),
                               std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")))
      << records[0]["applied_at"];
}

TEST_P(StorageTest, MigrationsAddedLaterApplyAlone) {
  auto migrations = notesMigrations();
  applyMigrations(*storage, migrations);
  migrations.push_back({"notes", 3, "index titles", "CREATE INDEX plugin_notes_title ON plugin_notes (title)", ""});
  EXPECT_EQ(applyMigrations(*storage, migrations), 1u);
}

TEST_P(StorageTest, AFailingMigrationRollsBackAndIsNotRecorded) {
  std::vector<Migration> migrations = {
      {"notes", 1, "create notes", "CREATE TABLE plugin_notes (id INTEGER PRIMARY KEY)", ""},
      {"notes", 2, "half done", "CREATE TABLE plugin_half (x INTEGER); INSERT INTO plugin_missing VALUES (1)", ""},
  };
  const std::string message = storageErrorOf([&] { applyMigrations(*storage, migrations); });
  EXPECT_TRUE(Contains(message, "notes version 2"));
  EXPECT_TRUE(Contains(message, "plugin_missing"));

  storageErrorOf([&] { storage->query("SELECT * FROM plugin_half", json::array()); });
  EXPECT_EQ(storage->query("SELECT version FROM orch_migrations", json::array()), json::parse(R"([{"version": 1}])"));

  migrations[1].sql = "CREATE TABLE plugin_half (x INTEGER)";
  EXPECT_EQ(applyMigrations(*storage, migrations), 1u);
}

TEST_P(StorageTest, MigrationsListedTwiceAreRefused) {
  const std::vector<Migration> migrations = {{"notes", 1, "", "SELECT 1", ""}, {"notes", 1, "", "SELECT 2", ""}};
  EXPECT_TRUE(Contains(storageErrorOf([&] { applyMigrations(*storage, migrations); }), "notes version 1"));
}

TEST_P(StorageTest, PostgreSqlMigrationsUseTheirOverride) {
  applyMigrations(*storage, {{"flavour", 1, "", "CREATE TABLE flavour AS SELECT 'portable' AS name",
                              "CREATE TABLE flavour AS SELECT 'postgresql'::text AS name"}});
  EXPECT_EQ(storage->query("SELECT name FROM flavour", json::array())[0]["name"],
            onPostgres() ? "postgresql" : "portable");
}

TEST_P(StorageTest, MigrationsMayHoldFunctionAndTriggerBodies) {
  const std::string sqlite = "CREATE TABLE counted (x INTEGER); CREATE TABLE tally (n INTEGER); "
                             "INSERT INTO tally VALUES (0); "
                             "CREATE TRIGGER count_it AFTER INSERT ON counted BEGIN "
                             "UPDATE tally SET n = n + 1; UPDATE tally SET n = n + 1; END;";
  const std::string postgres = "CREATE TABLE counted (x INTEGER); CREATE TABLE tally (n INTEGER); "
                               "INSERT INTO tally VALUES (0); "
                               "CREATE FUNCTION count_it() RETURNS trigger AS $$ BEGIN "
                               "UPDATE tally SET n = n + 1; UPDATE tally SET n = n + 1; RETURN NEW; END $$ "
                               "LANGUAGE plpgsql; "
                               "CREATE TRIGGER count_it AFTER INSERT ON counted FOR EACH ROW EXECUTE FUNCTION count_it();";
  applyMigrations(*storage, {{"tally", 1, "", sqlite, postgres}});
  storage->execute("INSERT INTO counted VALUES (?)", json::array({1}));
  EXPECT_EQ(storage->query("SELECT n FROM tally", json::array())[0]["n"], 2);
}

TEST_P(StorageTest, HostsMigratingTogetherApplyEachMigrationOnce) {
  std::vector<Migration> migrations;
  for (int version = 1; version <= 10; ++version) {
    // Not idempotent: a second application fails.
    migrations.push_back({"race", version, "", "CREATE TABLE race_" + std::to_string(version) + " (x INTEGER)", ""});
  }
  std::vector<std::unique_ptr<Storage>> hosts;
  for (int i = 0; i < 4; ++i) hosts.push_back(open(4));
  std::atomic<std::size_t> applied{0};
  std::vector<std::thread> threads;
  for (auto& host : hosts) {
    threads.emplace_back([&, host = host.get()] {
      try {
        applied += applyMigrations(*host, migrations);
      } catch (const StorageError& e) {
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(applied, migrations.size());
  EXPECT_EQ(count("orch_migrations"), static_cast<std::int64_t>(migrations.size()));
}

// ---- SQLite only ----

class SqliteStorageTest : public testing::Test {
protected:
  ScratchDatabase database{Backend::SQLite, ""};
};

TEST_F(SqliteStorageTest, CreatesTheDataDirectoryAndTheDatabaseFile) {
  database.options.dataDir += "/nested/data";
  auto storage = Storage::open(database.options);
  EXPECT_TRUE(std::filesystem::exists(database.options.dataDir + "/orchestrator.db"));
}

TEST_F(SqliteStorageTest, OpensAnExplicitFile) {
  const std::string file = database.options.dataDir + "/elsewhere/explicit.db";
  database.options.url = "sqlite://" + file;
  auto storage = Storage::open(database.options);
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(storage->backend(), Backend::SQLite);
}

TEST_F(SqliteStorageTest, EverySessionHasTheSettings) {
  database.options.busyTimeout = std::chrono::milliseconds(1234);
  auto storage = Storage::open(database.options);
  auto txn = storage->begin(); // holds one session, so the queries below take another
  for (auto* session : {txn.get(), static_cast<orch::host::StorageTransaction*>(nullptr)}) {
    EXPECT_EQ(storage->query("PRAGMA journal_mode", json::array(), session)[0]["journal_mode"], "wal");
    EXPECT_EQ(storage->query("PRAGMA foreign_keys", json::array(), session)[0]["foreign_keys"], 1);
    EXPECT_EQ(storage->query("PRAGMA busy_timeout", json::array(), session)[0]["timeout"], 1234);
  }
}

TEST_F(SqliteStorageTest, EnforcesForeignKeys) {
  auto storage = Storage::open(database.options);
  storage->executeScript("CREATE TABLE parent (id INTEGER PRIMARY KEY); "
                         "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))");
  EXPECT_TRUE(Contains(storageErrorOf([&] { storage->execute("INSERT INTO child VALUES (?)", json::array({7})); }), "FOREIGN KEY"));
}

TEST_F(SqliteStorageTest, TypesValuesByWhatTheyHoldNotTheDeclaredType) {
  auto storage = Storage::open(database.options);
  // Poco's SQLite statements would cut INT to 32 bits and throw on JSON.
  storage->executeScript("CREATE TABLE loose (small INT, document JSON, anything)");
  storage->execute("INSERT INTO loose VALUES (?, ?, ?)", json::array({kInt64Max, "{}", 2.5}));
  const json row = storage->query("SELECT *, x'00ff10' AS bytes FROM loose", json::array())[0];
  EXPECT_EQ(row["small"].get<std::int64_t>(), kInt64Max);
  EXPECT_EQ(row["document"], "{}");
  EXPECT_EQ(row["anything"], 2.5);
  EXPECT_EQ(row["bytes"], "\\x00ff10");
}

// ---- PostgreSQL only ----

class PostgresStorageTest : public testing::Test {
protected:
  void SetUp() override {
    ORCH_REQUIRE_POSTGRES(url);
    database = std::make_unique<ScratchDatabase>(Backend::PostgreSQL, url);
    storage = Storage::open(database->options);
  }

  std::string url;
  std::unique_ptr<ScratchDatabase> database;
  std::unique_ptr<Storage> storage;
};

TEST_F(PostgresStorageTest, MapsColumnTypes) {
  const json row = storage->query(
      "SELECT TIMESTAMPTZ '2024-01-02 03:04:05.123456+02' AS with_zone, "
      "TIMESTAMP '2024-01-02 03:04:05' AS without_zone, TIMESTAMPTZ 'infinity' AS forever, "
      "DATE '2024-01-02' AS day, UUID 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS id, "
      "'{\"a\": [1, 2]}'::jsonb AS document, 12.50::numeric AS amount, 2::smallint AS small, "
      "2.5::real AS single, '\\x00ff'::bytea AS bytes, true AS yes, false AS no",
      json::array())[0];
  EXPECT_EQ(row["with_zone"], "2024-01-02T01:04:05.123456Z");
  EXPECT_EQ(row["without_zone"], "2024-01-02T03:04:05");
  EXPECT_EQ(row["forever"], "infinity");
  EXPECT_EQ(row["day"], "2024-01-02");
  EXPECT_EQ(row["id"], "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(json::parse(row["document"].get<std::string>()), json::parse(R"({"a": [1, 2]})"));
  EXPECT_EQ(row["amount"], 12.5);
  EXPECT_EQ(row["small"], 2);
  EXPECT_EQ(row["single"], 2.5);
  EXPECT_EQ(row["bytes"], "\\x00ff");
  EXPECT_EQ(row["yes"], true);
  EXPECT_EQ(row["no"], false);
}

TEST_F(PostgresStorageTest, TextParametersFitTheColumnType) {
  storage->executeScript("CREATE TABLE typed (document JSONB, at TIMESTAMPTZ, id UUID, flag BOOLEAN)");
  storage->execute("INSERT INTO typed VALUES (?, ?, ?, ?)",
                   json::array({json{{"k", "v"}}, "2024-05-06T07:08:09Z", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", false}));
  const json row = storage->query("SELECT document->>'k' AS k, at, id::text AS id, flag FROM typed", json::array())[0];
  EXPECT_EQ(row["k"], "v");
  EXPECT_EQ(row["at"], "2024-05-06T07:08:09Z");
  EXPECT_EQ(row["flag"], false);
}

TEST_F(PostgresStorageTest, AWrongDatabaseFailsWithoutShowingThePassword) {
  Poco::URI wrong(url);
  wrong.setUserInfo("orch:pw-s3cret-value");
  wrong.setPath("/no_such_database");
  Storage::Options options;
  options.url = wrong.toString();
  const std::string message = storageErrorOf([&] { Storage::open(options); });
  EXPECT_TRUE(Contains(message, "no_such_database"));
  EXPECT_FALSE(Contains(message, "pw-s3cret-value"));
}

// ---- Opening, without any server ----

TEST(StorageOpen, AnUnreachableServerFailsWithoutShowingThePassword) {
  Storage::Options options;
  options.url = "postgresql://orch:hunter2-s3cret@127.0.0.1:1/orch_test";
  const std::string message = storageErrorOf([&] { Storage::open(options); });
  EXPECT_TRUE(Contains(message, "postgresql://orch:***@127.0.0.1:1/orch_test"));
  EXPECT_FALSE(Contains(message, "hunter2-s3cret"));
}

TEST(StorageOpen, APasswordWithSpecialCharactersStaysHidden) {
  Storage::Options options;
  options.url = "postgres://orch:p%40ss%3Aw'rd%5C@127.0.0.1:1/orch_test?connect_timeout=2";
  const std::string message = storageErrorOf([&] { Storage::open(options); });
  EXPECT_FALSE(Contains(message, "p@ss:w'rd"));
  EXPECT_FALSE(Contains(message, "p%40ss"));
}

TEST(StorageOpen, RefusesAnUnknownScheme) {
  Storage::Options options;
  options.url = "mysql://root:pw@localhost/db";
  EXPECT_TRUE(Contains(storageErrorOf([&] { Storage::open(options); }), "mysql"));
}

TEST(StorageOpen, RefusesAMalformedUrlWithoutQuotingIt) {
  Storage::Options options;
  options.url = "postgresql://orch:s3cret@[::1/db";
  EXPECT_FALSE(Contains(storageErrorOf([&] { Storage::open(options); }), "s3cret"));
}

TEST(StorageOpen, RefusesAnImpossiblePool) {
  Storage::Options options;
  options.poolMax = 0;
  EXPECT_TRUE(Contains(storageErrorOf([&] { Storage::open(options); }), "poolMax"));
}

} // namespace
