#include "PostgresDatabases.h"

#include "TestPostgres.h"

#include <libpq-fe.h>

#include <atomic>
#include <random>
#include <stdexcept>
#include <unistd.h>

namespace orch::test {

std::string freshPostgresDatabase() {
  auto url = postgresUrl();
  if (url.empty()) throw std::runtime_error(postgresMissingMessage());
  static std::atomic<int> counter{0};
  auto name = "orch_t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
              std::to_string(std::random_device{}() % 100000);
  PGconn* connection = PQconnectdb(url.c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string message = PQerrorMessage(connection);
    PQfinish(connection);
    throw std::runtime_error("cannot reach the test PostgreSQL server: " + message);
  }
  PGresult* result = PQexec(connection, ("CREATE DATABASE " + name).c_str());
  bool created = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string message = PQerrorMessage(connection);
  PQclear(result);
  PQfinish(connection);
  if (!created) throw std::runtime_error("CREATE DATABASE failed: " + message);
  return url.substr(0, url.rfind('/') + 1) + name;
}

} // namespace orch::test
