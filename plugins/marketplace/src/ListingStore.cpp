#include "ListingStore.h"

#include <orchestrator/ids.hpp>
#include <orchestrator/time.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace marketplace {
namespace {

constexpr const char* kColumns =
    "id, agent_id, owner_id, organization_id, marketplace_name, marketplace_agent_id, name, description, readme, "
    "framework, tags, pricing_type, price_cents, currency, billing_interval, status, latest_version, downloads, "
    "rating_sum, rating_count, published_at, unpublished_at, created_at, updated_at";

/// kColumns as "mk_listings.c AS c, ...": a join with the tag rows has columns of the same names.
const std::string& qualifiedColumns() {
  static const std::string columns = [] {
    std::string out, name;
    std::string list = std::string(kColumns) + ",";
    for (char c : list) {
      if (c == ',') {
        out += (out.empty() ? "" : ", ") + ("mk_listings." + name + " AS " + name);
        name.clear();
      } else if (c != ' ') {
        name += c;
      }
    }
    return out;
  }();
  return columns;
}

json parsed(const json& text) { return text.is_string() ? json::parse(text.get<std::string>(), nullptr, false) : json(); }

} // namespace

std::string lowerAscii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::optional<json> ListingStore::ofAgent(const std::string& agentId) const {
  return db_.queryOne(std::string("SELECT ") + kColumns + " FROM mk_listings WHERE agent_id = ?", {agentId});
}

std::optional<json> ListingStore::find(const std::string& id) const {
  return db_.queryOne(std::string("SELECT ") + kColumns + " FROM mk_listings WHERE id = ?", {id});
}

json ListingStore::publish(json columns, const std::vector<std::string>& tags, const std::string& agentVersion,
                           const json& envelope) {
  auto id = columns["id"].get<std::string>();
  auto at = columns["updated_at"];
  std::string text = columns["name"].get<std::string>() + "\n" +
                     (columns["description"].is_string() ? columns["description"].get<std::string>() : "");
  for (const auto& tag : tags) text += "\n" + tag;
  columns["search_text"] = lowerAscii(text);
  db_.transaction([&](orch::Transaction& tx) {
    auto current = db_.queryOne("SELECT latest_version FROM mk_listings WHERE id = ?", {id}, &tx);
    std::int64_t number = current ? (*current)["latest_version"].get<std::int64_t>() + 1 : 1;
    columns["latest_version"] = number;
    columns["status"] = "published";
    columns["unpublished_at"] = nullptr;
    if (current) {
      json params = json::array();
      std::string set;
      for (const auto& [key, value] : columns.items()) {
        if (key == "id" || key == "created_at" || key == "agent_id") continue;
        set += (set.empty() ? "" : ", ") + key + " = ?";
        params.push_back(value);
      }
      params.push_back(id);
      db_.execute("UPDATE mk_listings SET " + set + " WHERE id = ?", params, &tx);
      db_.execute("DELETE FROM mk_listing_tags WHERE listing_id = ?", {id}, &tx);
    } else {
      db_.insert("mk_listings", columns, &tx);
    }
    for (const auto& tag : tags)
      db_.insert("mk_listing_tags", {{"listing_id", id}, {"tag", tag}, {"status", "published"},
                                     {"pricing_type", columns["pricing_type"]}, {"framework", columns["framework"]}},
                 &tx);
    db_.insert("mk_versions", {{"listing_id", id}, {"number", number}, {"agent_version", agentVersion}, {"bundle", envelope.dump()},
                               {"needs", envelope["bundle"].value("requires", json::object()).dump()},
                               {"digest", envelope["digest"]}, {"published_at", at}},
               &tx);
  });
  return *find(id);
}

bool ListingStore::unpublish(const std::string& id, const std::string& at) {
  return db_.transaction([&](orch::Transaction& tx) {
    if (db_.execute("UPDATE mk_listings SET status = 'unpublished', unpublished_at = ?, updated_at = ? "
                    "WHERE id = ? AND status = 'published'",
                    {at, at, id}, &tx) == 0)
      return false;
    db_.execute("UPDATE mk_listing_tags SET status = 'unpublished' WHERE listing_id = ?", {id}, &tx);
    return true;
  });
}

json ListingStore::versions(const std::string& id) const {
  return db_.query("SELECT number, agent_version, digest, published_at FROM mk_versions WHERE listing_id = ? "
                   "ORDER BY number DESC",
                   {id});
}

std::optional<json> ListingStore::version(const std::string& id, std::int64_t number) const {
  return db_.queryOne("SELECT number, agent_version, digest, bundle, needs, published_at FROM mk_versions "
                      "WHERE listing_id = ? AND number = ?",
                      {id, number});
}

std::pair<json, std::int64_t> ListingStore::search(const Query& query, const orch::Page& page) const {
  json params = json::array();
  // With tags, the rows come from the first tag's index entries (a few hundred
  // listings, say) rather than from every published listing checked for it.
  // The filters are read from the tag rows then, which carry them: a count
  // that never looks a listing up.
  std::string from = "mk_listings", where = "mk_listings.status = 'published'", filters = "mk_listings.";
  if (!query.tags.empty()) {
    from = "mk_listing_tags t0 CROSS JOIN mk_listings";
    where = "t0.tag = ? AND t0.status = 'published' AND mk_listings.id = t0.listing_id";
    filters = "t0.";
    params.push_back(query.tags[0]);
  }
  if (query.search) {
    // The client's % _ and \ taken literally; lower-cased as search_text is, so LIKE means the same on both backends.
    std::string pattern = "%";
    for (char c : lowerAscii(*query.search)) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    where += " AND search_text LIKE ? ESCAPE '\\'";
    params.push_back(pattern + "%");
  }
  if (query.framework) {
    where += " AND " + filters + "framework = ?";
    params.push_back(*query.framework);
  }
  if (query.pricingType) {
    where += " AND " + filters + "pricing_type = ?";
    params.push_back(*query.pricingType);
  }
  for (std::size_t i = 1; i < query.tags.size(); ++i) {
    const auto& tag = query.tags[i];
    where += " AND t0.listing_id IN (SELECT listing_id FROM mk_listing_tags WHERE tag = ?)";
    params.push_back(tag);
  }
  // Ties broken by id, so pages never repeat or skip a listing.
  std::string order = query.sort == "rating"   ? "CASE WHEN rating_count = 0 THEN 0 ELSE rating_sum * 1.0 / rating_count END DESC, rating_count DESC"
                      : query.sort == "newest" ? "mk_listings.published_at DESC"
                                               : "mk_listings.downloads DESC";
  auto total = db_.queryOne("SELECT COUNT(*) AS n FROM " + from + " WHERE " + where, params)->at("n").get<std::int64_t>();
  params.push_back(page.limit);
  params.push_back(page.offset);
  auto rows = db_.query("SELECT " + qualifiedColumns() + " FROM " + from + " WHERE " + where + " ORDER BY " + order +
                            ", mk_listings.id LIMIT ? OFFSET ?",
                        params);
  json items = json::array();
  for (const auto& row : rows) items.push_back(view(row));
  return {std::move(items), total};
}

bool ListingStore::review(const std::string& listingId, const std::string& tenantId, const std::string& userId,
                          std::int64_t rating, const json& text) {
  return db_.transaction([&](orch::Transaction& tx) {
    if (db_.queryOne("SELECT id FROM mk_reviews WHERE listing_id = ? AND tenant_id = ?", {listingId, tenantId}, &tx))
      return false;
    db_.insert("mk_reviews", {{"id", orch::newId()}, {"listing_id", listingId}, {"tenant_id", tenantId}, {"user_id", userId},
                              {"rating", rating}, {"review", text}, {"created_at", orch::nowRfc3339()}},
               &tx);
    db_.execute("UPDATE mk_listings SET rating_sum = rating_sum + ?, rating_count = rating_count + 1 WHERE id = ?",
                {rating, listingId}, &tx);
    return true;
  });
}

std::pair<json, std::int64_t> ListingStore::reviews(const std::string& listingId, const orch::Page& page) const {
  auto total = db_.queryOne("SELECT COUNT(*) AS n FROM mk_reviews WHERE listing_id = ?", {listingId})->at("n").get<std::int64_t>();
  auto rows = db_.query("SELECT id, user_id, tenant_id, rating, review, created_at FROM mk_reviews WHERE listing_id = ? "
                        "ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                        {listingId, page.limit, page.offset});
  return {std::move(rows), total};
}

json ListingStore::view(const json& row) {
  auto count = row["rating_count"].get<std::int64_t>();
  double average = count ? std::round(100.0 * static_cast<double>(row["rating_sum"].get<std::int64_t>()) / static_cast<double>(count)) / 100.0 : 0.0;
  auto cents = row["price_cents"].get<std::int64_t>();
  json pricing = {{"type", row["pricing_type"]}, {"amount", static_cast<double>(cents) / 100.0}, {"currency", row["currency"]}};
  if (row["billing_interval"].is_string()) pricing["interval"] = row["billing_interval"];
  return {{"id", row["id"]},
          {"listing_id", row["id"]},
          {"integration_id", row["id"]},
          {"agent_id", row["agent_id"]},
          {"marketplace_name", row["marketplace_name"]},
          {"marketplace_agent_id", row["marketplace_agent_id"]},
          {"name", row["name"]},
          {"description", row["description"]},
          {"framework", row["framework"]},
          {"tags", parsed(row["tags"])},
          {"pricing", pricing},
          {"status", row["status"]},
          {"version", row["latest_version"]},
          {"downloads", row["downloads"]},
          {"rating", {{"average", average}, {"count", count}}},
          {"publisher", {{"user_id", row["owner_id"]}, {"organization_id", row["organization_id"]}}},
          {"published_at", row["published_at"]},
          {"unpublished_at", row["unpublished_at"]},
          {"updated_at", row["updated_at"]}};
}

} // namespace marketplace
