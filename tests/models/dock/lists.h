// Helpers shared by the dock model's test programs.
#pragma once

#include <cstdint>
#include <vector>

#include "models/dock/dock.h"
#include "sim/core/simulation.h"

namespace terrasim::testing {

inline models::dock::DockModel& dock(sim::Simulation& s) { return dynamic_cast<models::dock::DockModel&>(s.model()); }

// Every firm slot's list of employees, in order, then the list of the
// unemployed: the state's order, which the rules that follow depend on.
inline std::vector<std::vector<std::uint32_t>> lists_of(const models::dock::DockModel& m) {
  std::vector<std::vector<std::uint32_t>> lists;
  for (std::uint32_t f = 0; f < m.firm_size().size(); ++f) lists.emplace_back(m.staff(f), m.staff(f) + m.firm_size()[f]);
  lists.emplace_back(m.unemployed(), m.unemployed() + m.unemployed_count());
  return lists;
}

}  // namespace terrasim::testing
