#pragma once

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace analytics {

/// Reads the feeds of finished executions (service "workflows") and AI calls
/// (service "ai.ledger") into the rollups (orchestrator/services/feeds.hpp).
/// A page's rollup rows, what it counted and the feed's new cursor commit in
/// one transaction, so after a crash the rollups stand exactly where the
/// cursor does and the next read goes on from there. Every read starts
/// `overlapMs` behind the cursor, for rows that committed after rows of a
/// later time; an_counted makes each count once per version.
class FeedReader {
public:
  struct Settings {
    std::int64_t overlapMs = 10000;      ///< analytics.overlap_ms
    std::int64_t retryWindowMs = 0;      ///< analytics.retry_window_days, in ms
    std::int64_t pageSize = 500;
    std::int64_t pagesPerRead = 40;      ///< then the next tick goes on
  };

  FeedReader(orch::Plugin& plugin, Settings settings);

  /// Reads every feed whose plugin is loaded as far as it goes (bounded by
  /// pagesPerRead). One read at a time in this host (a tick that finds one
  /// under way returns at once); another host reading
  /// the same feed makes this one's page roll back, to be read again.
  void read();
  /// Forgets what was counted long enough ago (an_counted stays small).
  void prune(std::int64_t nowMs);
  /// How far each feed has been read: {source: through_ms}.
  orch::json cursors() const;

private:
  struct Source {
    std::string name, service, method, detailsMethod; ///< detailsMethod empty: a page's items are whole
  };
  /// Reads one page after `after`; false when the feed has no more now.
  bool readPage(const Source& source, std::optional<std::pair<std::int64_t, std::string>>& after);

  orch::Plugin& plugin_;
  Settings settings_;
  std::vector<Source> sources_;
  std::mutex readMutex_;
};

} // namespace analytics
