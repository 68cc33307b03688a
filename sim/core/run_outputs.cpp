// The files of a run in a folder: see run_outputs.h.
#include "sim/core/run_outputs.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/checkpoint/archive.h"
#include "sim/core/simulation.h"
#include "sim/scenario/loader.h"

namespace terrasim::sim {

namespace fs = std::filesystem;

bool is_run_output(const fs::path& file) {
  const std::string name = file.filename().string();
  if (name == "run.json" || name == "series.csv" || name == "config.json" || name == "changes.json") return true;
  if (file.extension() != ".csv") return false;
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  return first.starts_with("# terrasim:");
}

std::vector<std::string> write_run_outputs(const Simulation& s, const std::string& folder, std::string_view format) {
  if (format != "csv" && format != "json")
    throw std::invalid_argument(fmt::format("output format '{}': expected csv or json", format));
  const auto header = s.provenance();
  const auto& rec = s.recorder();
  fs::create_directories(folder);
  const fs::path dir(folder);
  AtomicFileSet files;
  std::vector<std::string> written;
  auto write = [&](const std::string& name, std::string_view content) {
    files.stage((dir / name).string(), content);
    written.push_back(name);
  };
  if (format == "json") {
    write("run.json", rec.to_json(header));
  } else {
    write("series.csv", rec.series_csv(header));
    for (const auto& b : rec.breakdowns()) write(b.name + ".csv", rec.breakdown_csv(b, header));
  }
  // The configuration the run started from; a run reconfigured on the way
  // (resume --set) also lists every change, with its month, in changes.json.
  const auto& history = s.config_history();
  const std::string first_config =
      history.size() == 1 ? s.scenario().config.to_json(2)
                          : scenario_from_document(parse_yaml(history.front().config_json, "the run's first configuration"),
                                                   history.front().source)
                                .config.to_json(2);
  write("config.json", first_config + "\n");
  if (history.size() > 1) {
    std::string changes = "[\n";
    for (std::size_t i = 1; i < history.size(); ++i) {
      const auto& h = history[i];
      changes += fmt::format("  {{\"from_month\": {}, \"from\": \"{}\", \"config_sha256\": \"{}\", \"config\": {}}}{}\n",
                             h.month, month_label(s.scenario().start(), h.month), h.config_sha256, h.config_json,
                             i + 1 < history.size() ? "," : "");
    }
    write("changes.json", changes + "]\n");
  }
  files.commit();
  // The outputs of an earlier run in the folder that this one did not
  // write are removed: the folder holds one run's files, which config.json
  // repeats. Other files stay.
  std::vector<std::string> removed;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || std::find(written.begin(), written.end(), name) != written.end()) continue;
    if (!is_run_output(entry.path())) continue;
    fs::remove(entry.path());
    removed.push_back(name);
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

}  // namespace terrasim::sim
