// Territory: the zone graph and its travel-time matrix.
#include "sim/territory/territory.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>

namespace terrasim::sim {

namespace {
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                                    boost::property<boost::edge_weight_t, double>>;
}

Territory::Territory(std::vector<Zone> zones, std::vector<Link> links) : zones_(std::move(zones)), links_(std::move(links)) {
  const std::size_t n = zones_.size();
  Graph g(n);
  for (const auto& l : links_) {
    if (l.from >= n || l.to >= n) throw std::out_of_range("link between zones that do not exist");
    if (!(l.minutes >= 0.0)) throw std::invalid_argument("link with a negative or undefined travel time");
    boost::add_edge(l.from, l.to, l.minutes, g);
  }
  travel_.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  std::vector<double> dist(n);
  for (std::size_t s = 0; s < n; ++s) {
    boost::dijkstra_shortest_paths(
        g, boost::vertex(s, g),
        boost::distance_map(boost::make_iterator_property_map(dist.begin(), boost::get(boost::vertex_index, g)))
            .distance_inf(std::numeric_limits<double>::infinity()));
    for (std::size_t t = 0; t < n; ++t) travel_(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(t)) = dist[t];
  }
}

std::size_t Territory::index_of(const std::string& name) const {
  for (std::size_t i = 0; i < zones_.size(); ++i)
    if (zones_[i].name == name) return i;
  throw std::out_of_range("no zone named " + name);
}

Eigen::MatrixXd Territory::straight_line_km() const {
  const auto n = static_cast<Eigen::Index>(zones_.size());
  Eigen::MatrixXd d(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) {
      const auto& a = zones_[static_cast<std::size_t>(i)];
      const auto& b = zones_[static_cast<std::size_t>(j)];
      // sqrt is correctly rounded everywhere; std::hypot's bits depend on the
      // glibc version (rewritten in 2.35).
      const double dx = a.x_km - b.x_km, dy = a.y_km - b.y_km;
      d(i, j) = i == j ? 0.0 : std::sqrt(dx * dx + dy * dy);
    }
  return d;
}

}  // namespace terrasim::sim
