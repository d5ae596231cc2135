# Every third-party dependency comes from Debian bookworm's packages.
find_package(PostgreSQL REQUIRED)
# Poco 1.11's DataPostgreSQL package names a target that does not exist.
if(NOT TARGET PostgreSQL::client)
  add_library(PostgreSQL::client INTERFACE IMPORTED)
  target_link_libraries(PostgreSQL::client INTERFACE PostgreSQL::PostgreSQL)
endif()
find_package(Poco 1.11 REQUIRED COMPONENTS Foundation Util Net NetSSL JSON Data DataSQLite DataPostgreSQL Crypto)
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(GTest REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
