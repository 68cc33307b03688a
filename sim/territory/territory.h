// The territory: zones as vertices, transport links as weighted edges.
//
// Travel times between zones are shortest paths over the link graph (Boost
// Graph's Dijkstra from every zone), kept in a dense Eigen matrix that the
// models read in their hot loops. Zones may also carry map coordinates, from
// which straight-line distances are available for models that are specified
// in distances rather than travel times (the docking model).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace terrasim::sim {

struct Zone {
  std::string name;
  double x_km = 0.0;
  double y_km = 0.0;
};

struct Link {
  std::size_t from = 0;
  std::size_t to = 0;
  double minutes = 0.0;  // travel time, both directions
};

class Territory {
 public:
  Territory() = default;
  Territory(std::vector<Zone> zones, std::vector<Link> links);

  std::size_t size() const { return zones_.size(); }
  const std::vector<Zone>& zones() const { return zones_; }
  const std::vector<Link>& links() const { return links_; }
  std::size_t index_of(const std::string& name) const;  // throws std::out_of_range

  // Shortest travel time in minutes between every pair of zones; +infinity
  // where no path joins them. Computed once, at construction.
  const Eigen::MatrixXd& travel_minutes() const { return travel_; }

  // Euclidean distance between zone centres, in km.
  Eigen::MatrixXd straight_line_km() const;

 private:
  std::vector<Zone> zones_;
  std::vector<Link> links_;
  Eigen::MatrixXd travel_;
};

}  // namespace terrasim::sim
