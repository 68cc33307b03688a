// Simulation: runs a model month by month; checkpoints.
#include "sim/core/simulation.h"

#include <chrono>
#include <mutex>

#include <oneapi/tbb/global_control.h>
#include <stdexcept>

#include "sim/scenario/loader.h"

namespace terrasim::sim {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
// An arena of more threads than cores is allowed (the determinism tests run
// 4 threads on 2 cores): raise TBB's process-wide limit, which it otherwise
// enforces with a warning.
int arena_size(int threads) {
  if (threads <= 0) return tbb::task_arena::automatic;
  static std::mutex mutex;
  static std::unique_ptr<tbb::global_control> limit;
  const std::lock_guard lock(mutex);
  const auto current = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
  if (static_cast<std::size_t>(threads) > current)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
  return threads;
}
}  // namespace

Simulation::Simulation(Scenario scenario, int threads, Restoring)
    : scenario_(std::move(scenario)), arena_(arena_size(threads)) {
  model_ = scenario_.model->create(scenario_.config);
  model_->declare(recorder_);
  scheduler_.set_phases(model_->phases());
}

Simulation::Simulation(Scenario scenario, int threads) : Simulation(std::move(scenario), threads, Restoring{}) {
  const auto t0 = std::chrono::steady_clock::now();
  arena_.execute([&] { model_->initialize(scenario_.seed()); });
  scheduler_.add_timing("initial state", seconds_since(t0));
}

void Simulation::step() {
  if (done()) throw std::logic_error("the simulation has already run all its months");
  const MonthContext ctx{month_, scenario_.seed()};
  ++generation_;  // before the month: a step that throws halfway has changed the state too
  arena_.execute([&] { scheduler_.run_month(ctx); });
  const auto t0 = std::chrono::steady_clock::now();
  recorder_.begin_row(month_, month_label(scenario_.start(), month_));
  model_->record(recorder_, ctx);
  scheduler_.add_timing("record", seconds_since(t0));
  ++month_;
}

bool Simulation::run(const std::function<bool(int)>& keep_going) {
  while (!done()) {
    if (keep_going && !keep_going(month_)) return false;
    step();
  }
  return true;
}

Recorder::Provenance Simulation::provenance() const {
  Recorder::Provenance p{{"terrasim", kVersion},
                         {"model", scenario_.model->name},
                         {"scenario", scenario_.source}};
  if (!scenario_.file_sha256.empty()) p.push_back({"scenario_sha256", scenario_.file_sha256});
  p.push_back({"config_sha256", scenario_.config_sha256});
  p.push_back({"seed", std::to_string(scenario_.seed())});
  p.push_back({"months", std::to_string(months())});
  return p;
}

void Simulation::save_checkpoint(const std::string& path) const {
  ArchiveWriter out;
  out.tag("terrasim");
  out.put_string(kVersion);
  out.put_string(scenario_.model->name);
  out.put_string(scenario_.source);
  out.put_string(scenario_.file_sha256);
  out.put_string(scenario_.config.to_json());
  out.put<std::int32_t>(month_);
  // The random streams need no state of their own: every draw is a function
  // of (seed, stream, month, unit, index), and seed and month are saved here.
  recorder_.save(out);
  out.tag("model");
  model_->save(out);
  out.tag("end");
  out.write_file(path);
}

std::unique_ptr<Simulation> Simulation::resume(const std::string& path, int threads) {
  ArchiveReader in = ArchiveReader::from_file(path);
  in.expect_tag("terrasim");
  const std::string version = in.get_string();
  if (version != kVersion) {
    in.fail("written by terrasim " + version + ", this is terrasim " + std::string(kVersion) +
            "; resume it with the version that wrote it");
  }
  const std::string model_name = in.get_string();
  const std::string source = in.get_string();
  const std::string file_sha = in.get_string();
  const std::string config_json = in.get_string();
  const auto month = in.get<std::int32_t>();
  Scenario s = scenario_from_document(parse_yaml(config_json, path + " (saved configuration)"), source);
  if (s.model->name != model_name) in.fail("the saved configuration names another model than the checkpoint");
  s.file_sha256 = file_sha;
  if (month < 0 || month > s.months()) in.fail("month out of range");
  std::unique_ptr<Simulation> sim(new Simulation(std::move(s), threads, Restoring{}));
  sim->recorder_.load(in);
  if (sim->recorder_.rows() != static_cast<std::size_t>(month)) in.fail("the recorder and the month disagree");
  in.expect_tag("model");
  sim->model_->load(in);
  in.expect_tag("end");
  if (!in.at_end()) in.fail("data after the end");
  sim->month_ = month;
  sim->generation_ = static_cast<std::uint64_t>(month);
  return sim;
}

}  // namespace terrasim::sim
