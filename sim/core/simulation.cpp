// Simulation: runs a model month by month; checkpoints.
#include "sim/core/simulation.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "sim/scenario/loader.h"
#include "sim/util/utf8.h"

namespace terrasim::sim {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
// The threads a simulation runs on: `threads`, or, for 0 or less, one for
// each core this process may run on (its affinity mask, as TBB counts them).
// No TBB arena: a simulation's loops run on its team (sim::for_ranges), and
// starting TBB took 0.35-0.5 ms of every process (its allocator loaded,
// /proc read), for a run of 60 ms at the docking model's defaults.
int resolve_threads(int threads) { return threads > 0 ? threads : cores_allowed(); }
}  // namespace

Simulation::Simulation(Scenario scenario, int threads, Restoring)
    : scenario_(std::move(scenario)), team_(std::make_unique<Team>(resolve_threads(threads))) {
  model_ = scenario_.model->create(scenario_.config);
  model_->declare(recorder_);
  // The list is what a later run removes from an output folder
  // (write_run_outputs): a breakdown missing from it would stay there, an
  // earlier run's file beside the new run's.
  const auto& listed = scenario_.model->breakdowns;
  for (const auto& b : recorder_.breakdowns())
    if (std::find(listed.begin(), listed.end(), b.name) == listed.end())
      throw std::logic_error(fmt::format("model {} declares the breakdown '{}', which its ModelInfo::breakdowns "
                                         "does not list ({})",
                                         scenario_.model->name, b.name, fmt::join(listed, ", ")));
  scheduler_.set_phases(model_->phases());
  history_.push_back({0, scenario_.config_sha256, scenario_.source, scenario_.file_sha256, scenario_.config.to_json()});
}

Simulation::Simulation(Scenario scenario, int threads) : Simulation(std::move(scenario), threads, Restoring{}) {
  const auto t0 = std::chrono::steady_clock::now();
  run_on_threads([&] { model_->initialize(scenario_.seed()); });
  scheduler_.add_timing("initial state", seconds_since(t0));
}

void Simulation::refuse_if_failed(const char* what) const {
  if (!failed_.empty())
    throw std::logic_error(fmt::format("cannot {}: {}; its state is part of that month's: load the scenario again, or "
                                       "resume a checkpoint",
                                       what, failed_));
}

void Simulation::step() {
  refuse_if_failed("simulate a month");
  if (done()) throw std::logic_error("the simulation has already run all its months");
  const MonthContext ctx{month_, scenario_.seed()};
  ++generation_;  // before the month: a step that throws halfway has changed the state too
  replaced_models_.clear();
  // A month that fails while it is recorded leaves no row of it: its series
  // read from Python would have had a month of NaN and partial values.
  const std::size_t rows_before = recorder_.rows();
  try {
    run_on_threads([&] { scheduler_.run_month(ctx); });
    const auto t0 = std::chrono::steady_clock::now();
    recorder_.begin_row(month_, month_label(scenario_.start(), month_));
    model_->record(recorder_, ctx);
    scheduler_.add_timing("record", seconds_since(t0));
  } catch (const std::exception& e) {
    // The phases before the one that threw have changed the state: a
    // second step ran them again on it (a review).
    failed_ = fmt::format("the simulation failed in month {} ({}): {}", month_, month_label(scenario_.start(), month_),
                          e.what());
    recorder_.truncate(rows_before);
    throw;
  } catch (...) {
    failed_ = fmt::format("the simulation failed in month {} ({})", month_, month_label(scenario_.start(), month_));
    recorder_.truncate(rows_before);
    throw;
  }
  ++month_;
}

void Simulation::run_on_threads(const std::function<void()>& work) {
  const TeamScope scope(team_.get());
  work();
}

bool Simulation::run(const std::function<bool(int)>& keep_going) {
  // The team's threads spin between the months, and sleep once the run
  // returns (its caller writes files next: Team::rest).
  struct Rest {
    Team& team;
    ~Rest() { team.rest(); }
  } rest{*team_};
  while (!done()) {
    if (keep_going && !keep_going(month_)) return false;
    step();
  }
  return true;
}

Recorder::Provenance Simulation::provenance() const {
  // The scenario the run started from, then every change. A source is a
  // file name, which need not be UTF-8 (Linux takes any bytes): its other
  // bytes are written \xNN, so that the JSON and CSV files stay UTF-8 text.
  const ConfigChange& first = history_.front();
  Recorder::Provenance p{
      {"terrasim", kVersion}, {"model", scenario_.model->name}, {"scenario", printable_utf8(first.source)}};
  if (!first.file_sha256.empty()) p.push_back({"scenario_sha256", first.file_sha256});
  p.push_back({"config_sha256", first.config_sha256});
  if (history_.size() > 1) {
    // One line for every change, so that the run can be reproduced.
    std::string changes;
    for (std::size_t i = 1; i < history_.size(); ++i) {
      const auto& h = history_[i];
      if (!changes.empty()) changes += "; ";
      changes += "from " + month_label(scenario_.start(), h.month) + ": config_sha256 " + h.config_sha256 + " (" +
                 printable_utf8(h.source) + ")";
    }
    p.push_back({"reconfigured", changes});
  }
  p.push_back({"seed", std::to_string(scenario_.seed())});
  p.push_back({"months", std::to_string(months())});
  // The outputs of a run stopped before its end (Python's run(until=...))
  // said "months: 72" over 24 rows, as if the run had ended.
  if (month_ < months())
    p.push_back({"stopped", fmt::format("after {} of the {} months ({}): the run has not reached its end", month_,
                                        months(), month_ == 0 ? "none simulated" : "to " + month_label(scenario_.start(), month_ - 1))});
  return p;
}

namespace {
// Why two declarations differ, or "" when they are the same.
std::string declaration_difference(const Recorder& a, const Recorder& b) {
  const auto& sa = a.series_info();
  const auto& sb = b.series_info();
  for (std::size_t i = 0; i < std::max(sa.size(), sb.size()); ++i) {
    if (i >= sa.size()) return "it adds the series '" + sb[i].name + "'";
    if (i >= sb.size()) return "it removes the series '" + sa[i].name + "'";
    if (sa[i].name != sb[i].name) return "it has the series '" + sb[i].name + "' where the run has '" + sa[i].name + "'";
  }
  const auto& ba = a.breakdowns();
  const auto& bb = b.breakdowns();
  if (ba.size() != bb.size()) return "it declares another number of breakdowns";
  for (std::size_t i = 0; i < ba.size(); ++i) {
    const auto& x = ba[i];
    const auto& y = bb[i];
    if (x.name != y.name || x.category_label != y.category_label || x.columns.size() != y.columns.size())
      return "its breakdown '" + y.name + "' differs from the run's";
    for (std::size_t c = 0; c < x.columns.size(); ++c)
      if (x.columns[c].name != y.columns[c].name) return "its breakdown '" + y.name + "' has other columns";
    if (x.categories != y.categories) {
      std::string list;
      for (const auto& c : y.categories) list += (list.empty() ? "" : ", ") + c;
      return "its breakdown '" + y.name + "' has other " + y.category_label + "s (" + list + ")";
    }
  }
  return {};
}
}  // namespace

void Simulation::save_checkpoint(const std::string& path) const {
  refuse_if_failed("save a checkpoint");
  ArchiveWriter out;
  write_state(out);
  out.write_file(path);
}

std::string Simulation::checkpoint_payload() const {
  refuse_if_failed("save a checkpoint");
  ArchiveWriter out;
  write_state(out);
  return out.bytes();
}

void Simulation::write_state(ArchiveWriter& out) const {
  out.tag("terrasim");
  out.put_string(kVersion);
  out.put_string(scenario_.model->name);
  out.put_string(scenario_.source);
  out.put_string(scenario_.file_sha256);
  out.put_string(scenario_.config.to_json());
  out.put<std::int32_t>(month_);
  out.tag("history");
  out.put<std::uint64_t>(history_.size());
  for (const auto& h : history_) {
    out.put<std::int32_t>(h.month);
    out.put_string(h.config_sha256);
    out.put_string(h.source);
    out.put_string(h.file_sha256);
    out.put_string(h.config_json);
  }
  // The random streams need no state of their own: every draw is a function
  // of (seed, stream, month, unit, index), and seed and month are saved here.
  recorder_.save(out);
  out.tag("model");
  model_->save(out);
  out.tag("end");
}

std::unique_ptr<Simulation> Simulation::resume(const std::string& path, int threads) {
  return resume(ArchiveReader::from_file(path), threads);
}

std::unique_ptr<Simulation> Simulation::resume(ArchiveReader in, int threads) {
  const std::string& path = in.origin();
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
  in.expect_tag("history");
  const auto changes = in.get<std::uint64_t>();
  // The first configuration, then at most one change a month (0 to month).
  if (changes == 0 || changes > static_cast<std::uint64_t>(month) + 2)
    in.fail("the configuration history does not match the month");
  std::vector<ConfigChange> history;
  for (std::uint64_t i = 0; i < changes; ++i) {
    ConfigChange h;
    h.month = in.get<std::int32_t>();
    h.config_sha256 = in.get_string();
    h.source = in.get_string();
    h.file_sha256 = in.get_string();
    h.config_json = in.get_string();
    if (h.month < (history.empty() ? 0 : history.back().month) || h.month > month || (history.empty() && h.month != 0))
      in.fail("the configuration history is out of order");
    // Two changes at one month (written before one replaced the other): the later
    // is the one months ran under.
    if (history.size() >= 2 && h.month == history.back().month)
      history.back() = std::move(h);
    else
      history.push_back(std::move(h));
  }
  Scenario s = scenario_from_document(parse_yaml(config_json, path + " (saved configuration)"), source);
  if (s.model->name != model_name) in.fail("the saved configuration names another model than the checkpoint");
  s.file_sha256 = file_sha;
  if (month < 0 || month > s.months()) in.fail("month out of range");
  std::unique_ptr<Simulation> sim(new Simulation(std::move(s), threads, Restoring{}));
  const Recorder declared = sim->recorder_;  // the model's declarations, no rows yet
  sim->recorder_.load(in);
  if (const auto why = declaration_difference(declared, sim->recorder_); !why.empty())
    in.fail("the saved series do not match the model's: " + why);
  if (sim->recorder_.rows() != static_cast<std::size_t>(month)) in.fail("the recorder and the month disagree");
  in.expect_tag("model");
  sim->model_->load(in);
  in.expect_tag("end");
  if (!in.at_end()) in.fail("data after the end");
  // A state that breaks the model's accounting identities was not written
  // by a simulation: refuse it rather than run it.
  if (const auto bad = sim->model_->check_invariants(sim->recorder_); !bad.empty())
    in.fail("the saved state is inconsistent: " + bad.front() +
            (bad.size() > 1 ? fmt::format(" (and {} more)", bad.size() - 1) : std::string()));
  sim->month_ = month;
  sim->generation_ = static_cast<std::uint64_t>(month);
  sim->history_ = std::move(history);
  return sim;
}


namespace {
// The values at `path` in `config` as JSON (`a.b`: a section's field;
// `a[].b`: that field of every item of list a); "null" where there is none.
std::string json_at(const Value& v, std::string_view path) {
  if (path.empty()) return v.to_json();
  const auto dot = path.find('.');
  const std::string_view head = path.substr(0, dot), rest = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (head.ends_with("[]")) {
    const Value* list = v.find(head.substr(0, head.size() - 2));
    if (list == nullptr || !list->is_list()) return "null";
    std::string out = "[";
    for (const Value& item : list->items()) out += json_at(item, rest) + ",";
    return out + "]";
  }
  const Value* child = v.find(head);
  return child == nullptr ? "null" : json_at(*child, rest);
}
}  // namespace

void Simulation::reconfigure(Scenario next) {
  // The configuration the run has: nothing to change, nothing recorded
  // (`fork([{}])`, the unchanged variant, wrote a change to the same
  // configuration in its outputs, and made every view stale).
  refuse_if_failed("change the configuration");
  if (next.config_sha256 == scenario_.config_sha256) return;
  const auto refuse = [&](const std::string& why) {
    throw ReconfigureError("cannot reconfigure the run at month " + std::to_string(month_) + " with " + next.source +
                           ": " + why);
  };
  if (next.model != scenario_.model)
    refuse("it is a scenario of the model '" + next.model->name + "', the run's is '" + scenario_.model->name + "'");
  if (next.seed() != scenario_.seed())
    refuse("its seed is " + std::to_string(next.seed()) + ", the run's " + std::to_string(scenario_.seed()) +
           " (the seed cannot change during a run)");
  if (next.start() != scenario_.start())
    refuse("it starts in " + next.start() + ", the run in " + scenario_.start());
  if (next.months() < month_)
    refuse("it has " + std::to_string(next.months()) + " months and " + std::to_string(month_) +
           " are already simulated");
  for (const std::string& path : scenario_.model->fixed_during_run)
    if (json_at(next.config, path) != json_at(scenario_.config, path))
      refuse("it changes " + path + ", which sizes the whole run: the population drawn at the start would keep "
             "the old size while what is read from the configuration took the new one; change it in the scenario "
             "and run from the start");
  for (const std::string& path : scenario_.model->initial_state_only)
    if (json_at(next.config, path) != json_at(scenario_.config, path))
      refuse("it changes " + path + ", which shapes the initial state only: the run would go on as if it had not "
             "changed (a run with it from the start differs); change it in the scenario and run from the start");
  if (scenario_.model->reconfigure_problem)
    if (const std::string why = scenario_.model->reconfigure_problem(scenario_.config, next.config, month_); !why.empty())
      refuse(why);

  std::unique_ptr<Model> model = next.model->create(next.config);
  Recorder declared;
  model->declare(declared);
  if (const auto why = declaration_difference(recorder_, declared); !why.empty())
    refuse(why + "; a reconfiguration keeps the run's series and breakdowns");
  ArchiveWriter state;
  model_->save(state);
  ArchiveReader in(state.bytes(), "the running state");
  try {
    model->load(in);
    if (!in.at_end()) in.fail("the new configuration does not read the whole state");
  } catch (const CheckpointError& e) {
    refuse(std::string("the running state does not fit it: ") + e.what());
  }
  if (const auto bad = model->check_invariants(recorder_); !bad.empty())
    refuse("under it the running state breaks the model's rules: " + bad.front());

  // Nothing above changed this simulation; from here nothing throws but allocation.
  replaced_models_.reserve(replaced_models_.size() + 1);  // before the scheduler takes the new model's phases
  auto timings = scheduler_.profile();
  scheduler_.set_phases(model->phases());
  scheduler_.restore_profile(std::move(timings));
  replaced_models_.push_back(std::move(model_));
  model_ = std::move(model);
  // One change a month: a second reconfigure at the same month replaces the
  // first, under which no month ran (the run's first configuration stays the
  // first entry). Each appended, they made the history longer than a
  // checkpoint may hold (months + 2), and its checkpoint unreadable.
  ConfigChange change{month_, next.config_sha256, next.source, next.file_sha256, next.config.to_json()};
  // Back to the configuration before the first change of this month: no
  // change at all (it was recorded as one; a review).
  if (history_.size() > 1 && history_.back().month == month_ &&
      history_[history_.size() - 2].config_sha256 == next.config_sha256)
    history_.pop_back();
  else if (history_.size() > 1 && history_.back().month == month_)
    history_.back() = std::move(change);
  else
    history_.push_back(std::move(change));
  scenario_ = std::move(next);
  ++generation_;  // the model's columns are new storage
}

}  // namespace terrasim::sim
