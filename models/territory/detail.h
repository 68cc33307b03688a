// Internal to models/territory: the random streams (one per cause), the
// block sizes of parallel passes and small helpers the rule files share.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "sim/rng/philox.h"
#include "sim/rng/sampling.h"

namespace terrasim::models::territory::detail {

using sim::rng::stream_id;

// One stream per cause, so that a process a policy adds never shifts the
// draws of the others (common random numbers across scenarios).
inline constexpr std::uint64_t kInitWorkers = stream_id("territory.init.workers");
inline constexpr std::uint64_t kInitFirms = stream_id("territory.init.firms");
inline constexpr std::uint64_t kInitOrder = stream_id("territory.init.order");
inline constexpr std::uint64_t kAgeing = stream_id("territory.migration.out");
inline constexpr std::uint64_t kEntrants = stream_id("territory.entrants");
inline constexpr std::uint64_t kGraduates = stream_id("territory.graduates");
inline constexpr std::uint64_t kInMigrants = stream_id("territory.migration.in");
inline constexpr std::uint64_t kSeparations = stream_id("territory.separations");
inline constexpr std::uint64_t kDemand = stream_id("territory.demand");
inline constexpr std::uint64_t kCash = stream_id("territory.cash");
inline constexpr std::uint64_t kCessations = stream_id("territory.cessations");
inline constexpr std::uint64_t kDismissals = stream_id("territory.dismissals");
inline constexpr std::uint64_t kCreations = stream_id("territory.creations.baseline");
inline constexpr std::uint64_t kPortalCreations = stream_id("territory.creations.portal");
inline constexpr std::uint64_t kSubsidyCreations = stream_id("territory.creations.subsidy");
inline constexpr std::uint64_t kEntrepreneurs = stream_id("territory.entrepreneurs");
inline constexpr std::uint64_t kSupportedEntrepreneurs = stream_id("territory.entrepreneurs.support");
inline constexpr std::uint64_t kFounderFirms = stream_id("territory.entrepreneurs.firms");
inline constexpr std::uint64_t kArrivalEvents = stream_id("territory.events.arrival");
inline constexpr std::uint64_t kStartupFunding = stream_id("territory.invest.startups");
inline constexpr std::uint64_t kTrainingPlaces = stream_id("territory.training.places");
inline constexpr std::uint64_t kTrainingChoice = stream_id("territory.training.choice");
inline constexpr std::uint64_t kTrainingOutcome = stream_id("territory.training.outcome");
inline constexpr std::uint64_t kOnTheJob = stream_id("territory.search.on_the_job");
inline constexpr std::uint64_t kSearch = stream_id("territory.search");
inline constexpr std::uint64_t kAcceptance = stream_id("territory.acceptance");
inline constexpr std::uint64_t kOffers = stream_id("territory.offers");
inline constexpr std::uint64_t kOutsideJobs = stream_id("territory.outside_jobs");
inline constexpr std::uint64_t kDiscouragement = stream_id("territory.discouragement");

// An investor's own stream ("territory.invest.<name>").
inline std::uint64_t investor_stream(const std::string& name) { return stream_id("territory.invest." + name); }

// Workers are processed in fixed blocks (the parallel unit); firms in grains.
inline constexpr std::size_t kWorkerBlock = 8192;
inline constexpr std::size_t kFirmGrain = 512;

inline std::size_t blocks_of(std::size_t n, std::size_t block) { return (n + block - 1) / block; }

// Cumulative weights, and the index drawn from them with u in [0, 1).
using sim::rng::cumulative;
using sim::rng::index_from_cumulative;

template <class T>
T clamp_cast(double x, double hi) {
  if (!(x > 0)) return 0;
  return static_cast<T>(std::min(x, hi));
}

// Policy indices in the spending tables: six single policies, then the
// training programmes, the clusters and the partner funds.
inline constexpr std::size_t kPortal = 0, kEntrepreneurSupport = 1, kHiringSubsidy = 2, kCreationSubsidy = 3,
                             kMarketing = 4, kEstablishmentGrant = 5, kFirstTraining = 6;

}  // namespace terrasim::models::territory::detail
