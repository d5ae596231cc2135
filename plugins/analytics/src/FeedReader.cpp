#include "FeedReader.h"

#include "RollupBatch.h"

#include <orchestrator/services/feeds.hpp>
#include <orchestrator/services/workflows.hpp>

#include <map>

namespace analytics {
namespace {

namespace feeds = orch::services::feeds;

/// The page's cursor moved under it: another host counted it first.
struct MovedUnderUs : std::runtime_error {
  MovedUnderUs() : std::runtime_error("another reader moved the cursor") {}
};

} // namespace

FeedReader::FeedReader(orch::Plugin& plugin, Settings settings)
    : plugin_(plugin), settings_(settings),
      sources_{{"executions", orch::services::workflows::kService, feeds::kFinished, feeds::kFinishedDetails},
               {"ai_calls", feeds::kAiLedger, feeds::kCalls, ""}} {}

void FeedReader::read() {
  // A read still under way (a long backlog) is not waited for: the tick is skipped.
  std::unique_lock lock(readMutex_, std::try_to_lock);
  if (!lock) return;
  for (const auto& source : sources_) {
    std::optional<std::pair<std::int64_t, std::string>> after;
    try {
      for (std::int64_t page = 0; page < settings_.pagesPerRead && readPage(source, after); ++page) {
      }
    } catch (const MovedUnderUs&) {
      // Read again at the next tick, from where the other reader left it.
    } catch (const std::exception& e) {
      plugin_.logWarning("analytics: the feed of " + source.name + " was not read: " + e.what());
    }
  }
}

bool FeedReader::readPage(const Source& source, std::optional<std::pair<std::int64_t, std::string>>& after) {
  const auto& db = plugin_.db();
  db.execute("INSERT INTO an_cursors (source, through_ms, revision) VALUES (?, 0, 0) ON CONFLICT (source) DO NOTHING",
             {source.name});
  auto cursor = *db.queryOne("SELECT through_ms, revision FROM an_cursors WHERE source = ?", {source.name});
  auto through = orch::integerColumn(cursor["through_ms"]);
  auto revision = orch::integerColumn(cursor["revision"]);

  feeds::FeedRequest request;
  request.sinceMs = std::max<std::int64_t>(0, through - settings_.overlapMs);
  request.after = after;
  request.limit = settings_.pageSize;
  auto answer = plugin_.callServiceIfServed(source.service, source.method, request.toJson());
  if (!answer) return false; // its plugin is not loaded here
  auto page = feeds::unlessRefused(*answer);
  const auto& items = page["items"];
  if (items.empty()) return false;

  // What of the page is new: not counted yet, or counted at another version.
  orch::json ids = orch::json::array();
  std::string marks;
  for (const auto& item : items) {
    ids.push_back(item["id"]);
    marks += marks.empty() ? "?" : ", ?";
  }
  auto params = ids;
  params.insert(params.begin(), source.name);
  std::map<std::string, orch::json> known;
  for (auto& row : db.query("SELECT id, version, at_ms, counted FROM an_counted WHERE source = ? AND id IN (" + marks + ")", params))
  {
    auto id = row["id"].get<std::string>(); // before the move: json's operator= takes its argument by value
    known[id] = std::move(row);
  }
  orch::json fresh = orch::json::array();
  for (const auto& item : items) {
    auto found = known.find(item["id"].get<std::string>());
    if (found == known.end() || orch::integerColumn(found->second["version"]) != orch::integerColumn(item["version"]))
      fresh.push_back(item);
  }
  if (!source.detailsMethod.empty() && !fresh.empty()) {
    orch::json freshIds = orch::json::array();
    for (const auto& item : fresh) freshIds.push_back(item["id"]);
    auto details = plugin_.callServiceIfServed(source.service, source.detailsMethod, {{"ids", freshIds}});
    if (!details) return false;
    // An execution retried since the page was read has no details now: it
    // is counted when it finishes again.
    fresh = feeds::unlessRefused(*details).value("items", orch::json::array());
  }

  RollupBatch batch;
  for (const auto& item : fresh) {
    auto found = known.find(item["id"].get<std::string>());
    if (source.detailsMethod.empty()) {
      batch.addCall(item);
      continue;
    }
    if (found != known.end() && found->second["counted"].is_string()) {
      auto previous = orch::json::parse(found->second["counted"].get<std::string>(), nullptr, false);
      if (previous.is_object()) batch.addOutcome(previous, -1);
    }
    batch.addOutcome(item, +1);
    batch.addSteps(item);
  }

  const auto& last = items.back();
  auto lastAt = orch::integerColumn(last["at_ms"]);
  db.transaction([&](orch::Transaction& tx) {
    if (db.execute("UPDATE an_cursors SET through_ms = ?, revision = revision + 1 WHERE source = ? AND revision = ?",
                   {std::max(through, lastAt), source.name, revision}, &tx) != 1)
      throw MovedUnderUs();
    batch.write(db, tx);
    for (const auto& item : fresh) {
      orch::json kept = source.detailsMethod.empty() ? orch::json() : orch::json(RollupBatch::counted(item).dump());
      db.execute("INSERT INTO an_counted (source, id, version, at_ms, counted) VALUES (?, ?, ?, ?, ?) "
                 "ON CONFLICT (source, id) DO UPDATE SET version = excluded.version, at_ms = excluded.at_ms, "
                 "counted = excluded.counted",
                 {source.name, item["id"], orch::integerColumn(item["version"]), orch::integerColumn(item["at_ms"]), kept}, &tx);
    }
  });
  after = std::make_pair(lastAt, last["id"].get<std::string>());
  return page.value("more", false);
}

void FeedReader::prune(std::int64_t nowMs) {
  const auto& db = plugin_.db();
  for (auto& row : db.query("SELECT source, through_ms FROM an_cursors")) {
    auto source = row["source"].get<std::string>();
    // A call never comes back; an execution may be retried within the window.
    // Never what the next read re-reads (a reader catching up on old history).
    auto rereadFrom = orch::integerColumn(row["through_ms"]) - 2 * settings_.overlapMs;
    auto keepFrom = source == "executions" ? std::min(nowMs - settings_.retryWindowMs, rereadFrom) : rereadFrom;
    db.execute("DELETE FROM an_counted WHERE source = ? AND at_ms < ?", {source, keepFrom});
  }
}

orch::json FeedReader::cursors() const {
  orch::json out = orch::json::object();
  for (auto& row : plugin_.db().query("SELECT source, through_ms FROM an_cursors"))
    out[row["source"].get<std::string>()] = orch::integerColumn(row["through_ms"]);
  return out;
}

} // namespace analytics
