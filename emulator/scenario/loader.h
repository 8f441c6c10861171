// Loads and validates scenario files: structure, step kinds (through the registry), tags in
// expectations, JSONPaths in captures and every ${name} a step uses. All errors are load_error
// with file:line:column and the key path; a file that loads will not fail for its shape.
#pragma once

#include <string>
#include <vector>

#include "emulator/core/system_def.h"
#include "emulator/scenario/model.h"
#include "emulator/scenario/steps.h"

namespace emu::scenario {

// The file a scenario names by the relative path `rel_path` (a fixture, an import file): beside
// the scenario, in each folder above it up to its project's root (the nearest folder holding
// .git, else the one holding the scenarios/ folder it is in), or in the working directory —
// the first that exists and stays inside the folder it was found from. "" if none; `outside`
// (optional) is set when one existed but led outside.
std::string locate_beside(const std::string& scenario_file, const std::string& rel_path, bool* outside = nullptr);

// The checks of a standalone `expect:` map (`{trace: […], within: 30s}`); throws load_error.
std::vector<check> compile_checks(const YAML::Node& expect, const registry& reg, const std::string& file,
                                  const std::string& path);

// The items of a fixture document (`tables:` and `rows:`, fixture file format); throws load_error.
std::vector<fixture_items> read_fixture_document(const YAML::Node& root, const std::string& file,
                                                 const system_def& sys);

scenario load_scenario(const std::string& path, const registry& reg, const system_def& sys);

// The scenario files under `paths` (files as given; folders searched recursively for *.yaml
// and *.yml), sorted, without duplicates. Throws std::invalid_argument for a path that does
// not exist.
std::vector<std::string> find_scenario_files(const std::vector<std::string>& paths);

}  // namespace emu::scenario
