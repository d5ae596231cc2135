#include "orchestrator/host/Storage.h"

#include <gtest/gtest.h>

using orch::host::numberPlaceholders;
using orch::host::splitStatements;
using Statements = std::vector<std::string>;

TEST(NumberPlaceholders, NumbersEachPlaceholderInOrder) {
  EXPECT_EQ(numberPlaceholders("INSERT INTO t (a, b) VALUES (?, ?)"), "INSERT INTO t (a, b) VALUES ($1, $2)");
  EXPECT_EQ(numberPlaceholders("SELECT ?+?*?"), "SELECT $1+$2*$3");
}

TEST(NumberPlaceholders, LeavesTextWithoutPlaceholdersAlone) {
  EXPECT_EQ(numberPlaceholders(""), "");
  EXPECT_EQ(numberPlaceholders("SELECT 1"), "SELECT 1");
}

TEST(NumberPlaceholders, IgnoresQuestionMarksInStrings) {
  EXPECT_EQ(numberPlaceholders("SELECT '?', ?"), "SELECT '?', $1");
  EXPECT_EQ(numberPlaceholders("SELECT 'it''s ?', ?"), "SELECT 'it''s ?', $1");
  EXPECT_EQ(numberPlaceholders("SELECT '', ?"), "SELECT '', $1");
}

TEST(NumberPlaceholders, IgnoresQuestionMarksInBackslashEscapedStrings) {
  EXPECT_EQ(numberPlaceholders(R"(SELECT E'\'?', ?)"), R"(SELECT E'\'?', $1)");
  // Only E'...' strings escape with a backslash.
  EXPECT_EQ(numberPlaceholders(R"(SELECT '\', ?)"), R"(SELECT '\', $1)");
}

TEST(NumberPlaceholders, IgnoresQuestionMarksInQuotedIdentifiers) {
  EXPECT_EQ(numberPlaceholders(R"(SELECT "what?" FROM "t""?" WHERE x = ?)"),
            R"(SELECT "what?" FROM "t""?" WHERE x = $1)");
}

TEST(NumberPlaceholders, IgnoresQuestionMarksInComments) {
  EXPECT_EQ(numberPlaceholders("SELECT ? -- why?\n, ?"), "SELECT $1 -- why?\n, $2");
  EXPECT_EQ(numberPlaceholders("SELECT /* ? */ ?"), "SELECT /* ? */ $1");
  EXPECT_EQ(numberPlaceholders("SELECT ? -- trailing ?"), "SELECT $1 -- trailing ?");
}

TEST(NumberPlaceholders, IgnoresQuestionMarksInDollarQuotedBodies) {
  EXPECT_EQ(numberPlaceholders("SELECT $$?$$, $tag$ ? $$ ? $tag$, ?"), "SELECT $$?$$, $tag$ ? $$ ? $tag$, $1");
}

TEST(NumberPlaceholders, KeepsExistingNumberedParametersAndDollarIdentifiers) {
  EXPECT_EQ(numberPlaceholders("SELECT $1, a$b$c, ?"), "SELECT $1, a$b$c, $1");
}

TEST(NumberPlaceholders, UnterminatedQuotesRunToTheEnd) {
  EXPECT_EQ(numberPlaceholders("SELECT ?, 'open ?"), "SELECT $1, 'open ?");
  EXPECT_EQ(numberPlaceholders("SELECT ? /* open ?"), "SELECT $1 /* open ?");
}

TEST(SplitStatements, SplitsAtSemicolonsAndTrims) {
  EXPECT_EQ(splitStatements("CREATE TABLE a (x INT);\n  INSERT INTO a VALUES (1) ;"),
            (Statements{"CREATE TABLE a (x INT)", "INSERT INTO a VALUES (1)"}));
}

TEST(SplitStatements, KeepsTheLastStatementWithoutSemicolon) {
  EXPECT_EQ(splitStatements("SELECT 1; SELECT 2"), (Statements{"SELECT 1", "SELECT 2"}));
}

TEST(SplitStatements, DropsEmptyAndCommentOnlyStatements) {
  EXPECT_EQ(splitStatements(""), Statements{});
  EXPECT_EQ(splitStatements(" ;; \n ; "), Statements{});
  EXPECT_EQ(splitStatements("-- nothing here\n; /* nor here */;"), Statements{});
  EXPECT_EQ(splitStatements("SELECT 1; -- the end"), Statements{"SELECT 1"});
}

TEST(SplitStatements, KeepsCommentsBeforeAStatement) {
  EXPECT_EQ(splitStatements("-- users\nCREATE TABLE u (x INT);"), Statements{"-- users\nCREATE TABLE u (x INT)"});
}

TEST(SplitStatements, IgnoresSemicolonsInStringsIdentifiersAndComments) {
  EXPECT_EQ(splitStatements("INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT \"odd;name\" FROM t"),
            (Statements{"INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT \"odd;name\" FROM t"}));
  EXPECT_EQ(splitStatements("SELECT 1 -- a; b\n; SELECT /* c; d */ 2"),
            (Statements{"SELECT 1 -- a; b", "SELECT /* c; d */ 2"}));
}

TEST(SplitStatements, KeepsDollarQuotedFunctionBodiesWhole) {
  const std::string function =
      "CREATE FUNCTION add_one(integer) RETURNS integer AS $$ SELECT $1 + 1; $$ LANGUAGE sql";
  const std::string tagged = "DO $body$ BEGIN PERFORM 1; PERFORM $$;$$; END $body$";
  EXPECT_EQ(splitStatements(function + ";" + tagged + ";SELECT add_one(1)"),
            (Statements{function, tagged, "SELECT add_one(1)"}));
}

TEST(SplitStatements, KeepsSqliteTriggerBodiesWhole) {
  const std::string trigger = "CREATE TRIGGER audit AFTER INSERT ON t BEGIN\n"
                              "  INSERT INTO log VALUES (CASE WHEN new.x > 0 THEN 'up' ELSE 'down' END);\n"
                              "  UPDATE counter SET n = n + 1;\n"
                              "END";
  EXPECT_EQ(splitStatements(trigger + "; INSERT INTO t VALUES (1);"),
            (Statements{trigger, "INSERT INTO t VALUES (1)"}));
}

TEST(SplitStatements, KeepsSqlStandardFunctionBodiesWhole) {
  const std::string function = "CREATE FUNCTION two() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END";
  EXPECT_EQ(splitStatements(function + "; SELECT two()"), (Statements{function, "SELECT two()"}));
}

TEST(SplitStatements, SplitsTransactionControlStatements) {
  // BEGIN opens a block only inside CREATE statements.
  EXPECT_EQ(splitStatements("BEGIN; INSERT INTO t VALUES (1); COMMIT;"),
            (Statements{"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"}));
}

TEST(SplitStatements, CaseExpressionsOutsideBodiesDoNotHoldTheSplit) {
  EXPECT_EQ(splitStatements("CREATE VIEW v AS SELECT CASE WHEN x THEN 1 END AS y FROM t; SELECT 2"),
            (Statements{"CREATE VIEW v AS SELECT CASE WHEN x THEN 1 END AS y FROM t", "SELECT 2"}));
}

TEST(SplitStatements, KeywordsMatchWholeWordsOnly) {
  // "begin_at" and "ending" are identifiers, not BEGIN and END.
  EXPECT_EQ(splitStatements("CREATE TABLE e (begin_at TEXT, ending TEXT); SELECT 1"),
            (Statements{"CREATE TABLE e (begin_at TEXT, ending TEXT)", "SELECT 1"}));
}

TEST(SplitStatements, AnUnterminatedStringKeepsTheRestAsOneStatement) {
  EXPECT_EQ(splitStatements("SELECT 1; SELECT 'open; SELECT 2"), (Statements{"SELECT 1", "SELECT 'open; SELECT 2"}));
}
