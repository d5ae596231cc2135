#include "ConfigSchema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
#include <stdexcept>

namespace workflows {

using orch::json;

struct ConfigSchema::Compiled {
  json source;             ///< kept to find "x-error-message" beside a failing property
  valijson::Schema schema; ///< read-only once parsed
};

namespace {

constexpr const char* kErrorMessageKeyword = "x-error-message";
// Local "$ref" chains are followed this far when looking for a message, so a
// schema that refers to itself cannot loop.
constexpr int kMaxRefHops = 32;

using Document = json;

void parse(const json& source, valijson::Schema& schema, const ConfigSchema::DocumentLoader& loader) {
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter adapter(source);
  if (!loader) {
    parser.populateSchema(adapter, schema);
    return;
  }
  // valijson owns fetched documents through this pair of callbacks until parsing ends.
  auto fetch = [&loader](const std::string& uri) -> const Document* {
    auto document = loader(uri);
    return document ? new Document(std::move(*document)) : nullptr;
  };
  auto release = [](const Document* document) { delete document; };
  parser.populateSchema(adapter, schema, fetch, release);
}

const json* resolveLocalRef(const json& root, const json* schema) {
  for (int hop = 0; hop < kMaxRefHops && schema->is_object(); ++hop) {
    auto ref = schema->find("$ref");
    if (ref == schema->end() || !ref->is_string()) return schema;
    const auto& target = ref->get_ref<const std::string&>();
    if (target.rfind('#', 0) != 0) return schema;
    try {
      const json& found = root.at(json::json_pointer(target.substr(1)));
      schema = &found;
    } catch (const json::exception&) {
      return schema;
    }
  }
  return schema;
}

/// The subschema that applies to member `key` (object) or item `index` (array)
/// of a value valid so far against `schema`, or null when none is plainly named.
const json* childSchema(const json& schema, const std::string& key, std::optional<std::size_t> index) {
  if (!schema.is_object()) return nullptr;
  if (index) {
    auto items = schema.find("items");
    if (items == schema.end()) return nullptr;
    if (!items->is_array()) return &*items;
    if (*index < items->size()) return &(*items)[*index];
    auto additional = schema.find("additionalItems");
    return additional != schema.end() ? &*additional : nullptr;
  }
  if (auto properties = schema.find("properties"); properties != schema.end() && properties->is_object()) {
    if (auto property = properties->find(key); property != properties->end()) return &*property;
  }
  auto additional = schema.find("additionalProperties");
  return additional != schema.end() && additional->is_object() ? &*additional : nullptr;
}

bool isIdentifier(const std::string& key) {
  static const std::regex identifier("[A-Za-z_][A-Za-z0-9_-]*");
  return std::regex_match(key, identifier);
}

bool isIndex(const std::string& key) {
  return !key.empty() && key.size() < 19 && std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isdigit(c); });
}

void appendKey(std::string& path, const std::string& key) {
  if (isIdentifier(key)) {
    if (!path.empty()) path += '.';
    path += key;
  } else {
    path += '[' + json(key).dump() + ']';
  }
}

/// Walks the schema and the value along valijson's context, building the
/// field path and remembering the deepest "x-error-message" met on the way.
class ProblemLocator {
public:
  ProblemLocator(const json& root, const json& value, std::string basePath)
      : root_(root), schema_(resolveLocalRef(root, &root)), value_(&value), field_(std::move(basePath)) {
    noteMessage();
  }

  /// valijson names a member "[name]" and an item "[3]"; the value tells which.
  void step(const std::string& token) {
    std::string key = token.size() >= 2 ? token.substr(1, token.size() - 2) : token;
    std::optional<std::size_t> index;
    if (value_ && value_->is_array() && isIndex(key)) {
      index = std::stoul(key);
      field_ += '[' + key + ']';
      value_ = *index < value_->size() ? &(*value_)[*index] : nullptr;
    } else {
      appendKey(field_, key);
      value_ = value_ && value_->is_object() && value_->contains(key) ? &(*value_)[key] : nullptr;
    }
    schema_ = schema_ ? childSchema(*schema_, key, index) : nullptr;
    if (schema_) schema_ = resolveLocalRef(root_, schema_);
    noteMessage();
  }

  const std::string& field() const { return field_; }
  const std::optional<std::string>& message() const { return message_; }

private:
  void noteMessage() {
    if (!schema_ || !schema_->is_object()) return;
    auto found = schema_->find(kErrorMessageKeyword);
    if (found != schema_->end() && found->is_string()) message_ = found->get<std::string>();
  }

  const json& root_;
  const json* schema_;
  const json* value_;
  std::string field_;
  std::optional<std::string> message_;
};

/// The member a valijson description names when the error sits on the object
/// but is about one member: a missing required property or one not allowed.
std::optional<std::string> namedMember(const std::string& description) {
  static const std::string prefixes[] = {
      "Missing required property '",
      "Object contains a property that could not be validated using 'properties' or 'additionalProperties' "
      "constraints: '"};
  const std::string suffix = "'.";
  for (const auto& prefix : prefixes) {
    if (description.rfind(prefix, 0) != 0 || description.size() < prefix.size() + suffix.size()) continue;
    if (description.compare(description.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    return description.substr(prefix.size(), description.size() - prefix.size() - suffix.size());
  }
  return std::nullopt;
}

} // namespace

ConfigSchema ConfigSchema::compile(const json& schema, const DocumentLoader& loader) {
  if (!schema.is_object() && !schema.is_boolean()) throw std::invalid_argument("A JSON Schema must be an object or a boolean");
  auto compiled = std::make_shared<Compiled>();
  compiled->source = schema;
  try {
    parse(compiled->source, compiled->schema, loader);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("Invalid JSON Schema: ") + e.what());
  }
  return ConfigSchema(std::move(compiled));
}

bool ConfigSchema::accepts(const json& value) const {
  // A Validator per call: its regex cache is the only state validation writes.
  valijson::Validator validator;
  return validator.validate(compiled_->schema, valijson::adapters::NlohmannJsonAdapter(value), nullptr);
}

std::optional<ConfigSchema::Problem> ConfigSchema::firstProblem(const json& value, const std::string& basePath) const {
  valijson::Validator validator;
  valijson::ValidationResults results;
  if (validator.validate(compiled_->schema, valijson::adapters::NlohmannJsonAdapter(value), &results)) return std::nullopt;

  // Children report before their parents, so the first error is the most specific one.
  valijson::ValidationResults::Error error;
  if (!results.popError(error)) return Problem{basePath, "Value does not match the schema"};

  ProblemLocator locator(compiled_->source, value, basePath);
  for (std::size_t i = 1; i < error.context.size(); ++i) locator.step(error.context[i]); // [0] is "<root>"
  // A missing or unexpected property is reported on its parent; name the property itself.
  if (auto member = namedMember(error.description)) locator.step('[' + *member + ']');
  return Problem{locator.field(), locator.message().value_or(error.description)};
}

} // namespace workflows
