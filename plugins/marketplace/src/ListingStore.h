#pragma once

#include <orchestrator/database.hpp>
#include <orchestrator/pagination.hpp>

#include <optional>
#include <string>
#include <vector>

namespace marketplace {

using orch::json;

/// ASCII lower case: tags, filters and search_text are compared lower-cased.
std::string lowerAscii(std::string text);

/// Listings (mk_listings), their versions with the signed bundle of each
/// (mk_versions), their tags and reviews. Rows are JSON objects keyed by column.
class ListingStore {
public:
  explicit ListingStore(const orch::Database& db) : db_(db) {}

  /// The listing of the publisher's agent, published or not.
  std::optional<json> ofAgent(const std::string& agentId) const;
  std::optional<json> find(const std::string& id) const;

  /// A new listing, or a new version of the agent's: `columns` are the
  /// listing's (id, agent_id, owner..., pricing...); the bundle becomes the
  /// next version (`envelope`: its signed bundle) and the listing is
  /// published again. The listing's row.
  json publish(json columns, const std::vector<std::string>& tags, const std::string& agentVersion, const json& envelope);
  /// Leaves the catalogue; false when it was not published.
  bool unpublish(const std::string& id, const std::string& at);

  /// Versions newest first: {number, agent_version, digest, published_at}.
  json versions(const std::string& id) const;
  /// One version with its bundle text and what it needs ("needs", JSON text).
  std::optional<json> version(const std::string& id, std::int64_t number) const;

  struct Query {
    std::optional<std::string> search, framework, pricingType;
    std::vector<std::string> tags; ///< every one of them
    std::string sort = "downloads"; ///< downloads, rating, newest
  };
  /// Published listings matching the query, and how many there are.
  std::pair<json, std::int64_t> search(const Query& query, const orch::Page& page) const;

  /// Adds a review from `tenantId` (one each: false if it has one) and its rating to the listing's.
  bool review(const std::string& listingId, const std::string& tenantId, const std::string& userId, std::int64_t rating,
              const json& text);
  std::pair<json, std::int64_t> reviews(const std::string& listingId, const orch::Page& page) const;

  /// The catalogue's view of a row: seed 004's fields and the catalogue's.
  static json view(const json& row);

private:
  const orch::Database& db_;
};

} // namespace marketplace
