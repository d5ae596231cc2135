# The CMake helpers for plugins, the same in this tree and in the installed
# SDK (find_package(OrchestratorSDK) includes this file):
#
#   orchestrator_add_plugin(<name> SOURCES <files>... [LIBRARIES <libs>...] [MIGRATIONS <folder>])
#     builds <name>.so, target plugin_<name>: no "lib" prefix, only the entry
#     point exported; C sources alone link Orchestrator::abi, C++ ones
#     Orchestrator::sdk (C++20). MIGRATIONS embeds <folder>/*.sql as <name>_migrations()
#     (header "<name>_migrations.h"): plugin.migrations(<name>_migrations()).
#     ORCHESTRATOR_PLUGIN_OUTPUT_DIR, when set, is where the file is written;
#     ORCHESTRATOR_PLUGIN_INSTALL_DIR, when set, where it is installed.
#
#   orchestrator_embed(<target> NAME <symbol> FILES <files>...)
#     compiles the files' text into <target>: the generated header
#     "<symbol>.h" declares orch::EmbeddedFiles <symbol>(), sorted by name.
#     A changed file is embedded again at the next build.

set(ORCHESTRATOR_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/OrchestratorEmbed.cmake)

function(orchestrator_embed target)
  cmake_parse_arguments(ARG "" "NAME" "FILES" ${ARGN})
  if(NOT ARG_NAME)
    message(FATAL_ERROR "orchestrator_embed(${target}): NAME is required")
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/embedded)
  set(header ${dir}/${ARG_NAME}.h)
  set(source ${dir}/${ARG_NAME}.cpp)
  list(JOIN ARG_FILES "|" files)
  add_custom_command(OUTPUT ${header} ${source}
    COMMAND ${CMAKE_COMMAND} -DNAME=${ARG_NAME} -DHEADER=${header} -DSOURCE=${source} "-DFILES=${files}"
            -P ${ORCHESTRATOR_EMBED_SCRIPT}
    DEPENDS ${ARG_FILES} ${ORCHESTRATOR_EMBED_SCRIPT}
    COMMENT "Embedding ${ARG_NAME}" VERBATIM)
  target_sources(${target} PRIVATE ${source} ${header})
  target_include_directories(${target} PRIVATE ${dir})
endfunction()

function(orchestrator_add_plugin name)
  cmake_parse_arguments(ARG "" "MIGRATIONS;TARGET;OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  set(target plugin_${name})
  if(ARG_TARGET)
    set(target ${ARG_TARGET})
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  # A plugin written in C needs abi.h only; one in C++ gets the wrapper too.
  set(contract Orchestrator::abi)
  foreach(source ${ARG_SOURCES})
    if(NOT source MATCHES "\\.c$")
      set(contract Orchestrator::sdk)
    endif()
  endforeach()
  target_link_libraries(${target} PRIVATE ${contract} ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name} PREFIX ""
    CXX_VISIBILITY_PRESET hidden C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_MIGRATIONS)
    file(GLOB migrations CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_MIGRATIONS}/*.sql)
    orchestrator_embed(${target} NAME ${name}_migrations FILES ${migrations})
  endif()
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(ORCHESTRATOR_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ORCHESTRATOR_PLUGIN_OUTPUT_DIR})
    if(ORCHESTRATOR_PLUGIN_INSTALL_DIR)
      install(TARGETS ${target} LIBRARY DESTINATION ${ORCHESTRATOR_PLUGIN_INSTALL_DIR})
    endif()
  endif()
endfunction()
