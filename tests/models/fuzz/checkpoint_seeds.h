// The checkpoints the checkpoint harnesses' smoke tests start from, made as
// scripts/fuzz makes its seeds: the small docking scenario (500 workers, 50
// firms) and the Amiens pact at scale 0.005, six months each, saved after
// three.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "sim/core/scenario.h"
#include "sim/core/simulation.h"

namespace terrasim::testing {

struct SeedCheckpoint {
  std::string name;  // "dock", "territory"
  std::string file;  // the whole file save_checkpoint writes
  std::string payload;  // what lies between its header and its hash
};

inline std::vector<SeedCheckpoint> seed_checkpoints() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("terrasim-checkpoint-seeds-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::vector<SeedCheckpoint> out;
  const std::string scenarios = std::string(TERRASIM_SOURCE_DIR) + "/scenarios/";
  for (const auto& [name, scenario, overrides] :
       {std::tuple<std::string, std::string, std::vector<std::string>>{
            "dock", "dock/small.yaml", {"workers=500", "firms=50", "months=6"}},
        {"territory", "amiens/pacte.yaml", {"scale=0.005", "months=6"}}}) {
    sim::Simulation s(sim::load_scenario(scenarios + scenario, overrides), 1);
    while (s.month() < 3) s.step();
    const std::string path = (dir / (name + ".ckpt")).string();
    s.save_checkpoint(path);
    std::ifstream in(path, std::ios::binary);
    out.push_back({name, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()),
                   s.checkpoint_payload()});
  }
  fs::remove_all(dir);
  return out;
}

}  // namespace terrasim::testing
