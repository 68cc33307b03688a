// The model registry.
#include "sim/core/model.h"

#include <algorithm>
#include <stdexcept>

namespace terrasim::sim {

ModelRegistry& ModelRegistry::global() {
  static ModelRegistry registry;
  return registry;
}

void ModelRegistry::add(ModelInfo info) {
  if (find(info.name)) throw std::logic_error("model registered twice: " + info.name);
  models_.push_back(std::move(info));
}

const ModelInfo* ModelRegistry::find(const std::string& name) const {
  for (const auto& m : models_)
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> ModelRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& m : models_) out.push_back(m.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace terrasim::sim
