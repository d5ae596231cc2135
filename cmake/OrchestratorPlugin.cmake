# orch_add_plugin(<name> SOURCES ... [LIBRARIES ...])
# One shared library per plugin, named <name>.so, written where the host looks
# for plugins by default and installed there too.
function(orch_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(plugin_${name} MODULE ${ARG_SOURCES})
  target_link_libraries(plugin_${name} PRIVATE Orchestrator::sdk ${ARG_LIBRARIES})
  set_target_properties(plugin_${name} PROPERTIES
    OUTPUT_NAME ${name} PREFIX ""
    LIBRARY_OUTPUT_DIRECTORY ${ORCH_PLUGIN_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  install(TARGETS plugin_${name} LIBRARY DESTINATION ${ORCH_PLUGIN_SUBDIR})
endfunction()

# orch_add_fixture_plugin(<name> <source>): a plugin built only for tests, kept
# out of the default plugin folder so run.sh never loads it.
function(orch_add_fixture_plugin name source)
  add_library(fixture_${name} MODULE ${source})
  target_link_libraries(fixture_${name} PRIVATE Orchestrator::sdk)
  set_target_properties(fixture_${name} PROPERTIES
    OUTPUT_NAME ${name} PREFIX ""
    LIBRARY_OUTPUT_DIRECTORY ${ORCH_FIXTURE_PLUGIN_DIR}
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
endfunction()
