// Files compiled into a plugin: migrations and data that live in the source
// tree as files of their own (plugins/<name>/migrations/*.sql, templates/*.json)
// and reach the plugin as text, through the CMake helper orchestrator_embed:
//
//   orchestrator_embed(notes NAME notes_migrations FILES migrations/0001_notes.sql)
//   #include "notes_migrations.h"            // generated
//   plugin.migrations(notes_migrations());
#pragma once

#include <string_view>

namespace orch {

/// One embedded file: its name without folders ("0001_notes.sql") and its text.
struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};

/// A generated list of embedded files, sorted by name.
struct EmbeddedFiles {
  const EmbeddedFile* first;
  std::size_t count;
  const EmbeddedFile* begin() const { return first; }
  const EmbeddedFile* end() const { return first + count; }
  std::size_t size() const { return count; }
};

} // namespace orch
