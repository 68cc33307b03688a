// The territorial model's scenario fields: one declaration per parameter
// (type, range, default, unit, one line of documentation), from which the
// validation, the JSON Schema and docs/scenarios.md are generated; and their
// reading into Params. scenarios/amiens/README.md says where each Amiens
// value comes from.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "models/territory/territory.h"
#include "sim/scenario/schema.h"

namespace terrasim::models::territory {

namespace {

using Report = std::function<void(const sim::Value&, std::string, std::string)>;

void window_fields(sim::Record& r, const char* what) {
  r.boolean("enabled").def(false).doc(fmt::format("whether the scenario runs {}", what));
  r.month("start").def("2015-01").doc("first month of the policy");
  r.month("end").def("2020-12").doc("last month of the policy (included)");
  r.number("budget_eur").range(0, 1e12).def(0.0).unit("EUR").doc(
      "total budget over the window (scaled by `scale`); the policy acts only while some is left, and a last payment "
      "is cut to what is left: at 0 the policy does nothing (no boost, priority, grant or place; a training programme "
      "whose places cost 0 aside), and with an amount per unit of 0 (grant, cost) nothing is spent and it acts for "
      "its whole window (docs/model.md, Budgets)");
}

// Series of the national context, 2014-2020: the data sheet's points
// (shared/reference/amiens-data.md); see scenarios/amiens/README.md.
sim::Value series(std::initializer_list<std::pair<const char*, double>> points) {
  sim::Value v = sim::Value::map();
  for (const auto& [m, x] : points) v.set(m, sim::Value::number(x));
  return v;
}

void unique_names(const sim::Value& list, const std::string& path, const Report& report) {
  for (std::size_t i = 0; i < list.items().size(); ++i) {
    if (list.items()[i]["name"].as_string().empty())
      report(list.items()[i]["name"], fmt::format("{}[{}].name", path, i), "an empty name: expected a name");
    for (std::size_t j = 0; j < i; ++j)
      if (list.items()[j]["name"].as_string() == list.items()[i]["name"].as_string())
        report(list.items()[i]["name"], fmt::format("{}[{}].name", path, i),
               fmt::format("name {:?} is used twice (also {}[{}])", list.items()[i]["name"].as_string(), path, j));
  }
}

}  // namespace

// TerritoryModel::declare records them; a test checks that the lists agree.
std::vector<std::string> recorded_series(const sim::Value& cfg) {
  std::vector<std::string> names{"unemployment_rate", "labour_force", "employed", "unemployed", "in_training",
                                 "inactive", "firms", "creations", "closures", "vacancies", "hires", "separations",
                                 "mean_wage", "jobs_in_territory", "jobs_held_by_residents", "in_commuters",
                                 "out_commuters"};
  for (const auto& c : cfg["clusters"].items()) names.push_back("jobs_cluster_" + c["name"].as_string());
  for (const auto& i : cfg["investors"].items()) names.push_back("investment_" + i["name"].as_string());
  for (const char* n : {"policy_spending", "policy_spending_cumulative", "national_unemployment_rate", "portal_cash"})
    names.emplace_back(n);
  // Each policy's spending, in TerritoryModel's order of policies (policy_names()).
  for (const char* n : {"portal", "entrepreneur_support", "hiring_subsidy", "creation_subsidy", "marketing",
                        "establishment_grant"})
    names.push_back(std::string("spending_") + n);
  for (const auto& t : cfg["policies"]["training"].items()) names.push_back("spending_training_" + t["name"].as_string());
  for (const auto& c : cfg["clusters"].items()) names.push_back("spending_cluster_" + c["name"].as_string());
  for (const auto& f : cfg["policies"]["partner_funds"].items())
    names.push_back("spending_fund_" + f["name"].as_string());
  return names;
}

void declare_parameters(sim::Record& root) {
  root.number("scale").range(0, 1).exclusive_min().def(1.0).doc(
      "multiplies every count (people, firms, creations, places, event sizes) and every budget; rates, shares, "
      "wages, unit costs, investors' tickets and plant sizes are unchanged. A run at 0.1 is noisier and not exactly "
      "a tenth of one at 1:1: the Amiens baseline's mean gap to the national rate over 2015-2020 is 2.06 points at "
      "0.1 against 2.00 at 1:1, its December 2019 unemployment 9.47% against 9.43% (140 seeds each; docs/model.md, "
      "section 2)");
  root.string("locale").choices({"fr", "en"}).def("fr").doc("language of reports made from this scenario");
  {
    auto& t = root.section("target").optional().doc("the scenario's target, which forecasts report on").section();
    // Rates only, as forecasts read a target (a share of the labour force):
    // declared, so that the reference and the JSON Schema list them too.
    t.string("series").choices({"unemployment_rate", "national_unemployment_rate"}).def("unemployment_rate").doc(
        "the rate the target is about");
    t.number("threshold").optional().doc("the target value of the series (or, with `reference`, the gap to it)");
    t.string("reference").choices({"unemployment_rate", "national_unemployment_rate"}).optional().doc(
        "a reference rate the target compares with");
    t.string("direction").choices({"below", "above"}).def("below").doc("whether the series should end below or above");
    t.month("date").optional().doc("the month by which the target should be reached");
  }

  auto& zone = root.list("zones").min_items(2).max_items(250).doc(
      "zones of the territory (communes or groups of them), the cluster sites, and one outside zone").item();
  zone.string("name").doc("zone name");
  zone.string("kind").choices({"commune", "site", "outside"}).def("commune").doc(
      "a part of the territory, a cluster site, or the rest of France (in-commuters' home)");
  zone.integer("labour_force").range(0, 50'000'000).def(0).unit("workers").doc(
      "residents in the labour force at the start (0 for the outside zone)");
  zone.number("job_share").range(0, 1).def(0.0).doc("share of the territory's jobs located in the zone at the start");

  auto& link = root.list("links").min_items(1).doc("transport links between zones; travel times are shortest paths").item();
  link.string("from").ref("zones").doc("zone at one end");
  link.string("to").ref("zones").doc("zone at the other end");
  link.number("minutes").range(0, 1000).def(10.0).unit("min").doc("travel time, both directions");

  auto& skill = root.list("skills").min_items(1).max_items(8).doc("skill levels, lowest first").item();
  skill.string("name").doc("skill level");
  skill.number("share").range(0, 1).doc("share of the labour force (and of entrants) at this level");
  skill.number("wage_factor").range(0.1, 10).def(1.0).doc(
      "wage relative to the sector's `wage_eur`: a worker of this level earns wage_eur x this (the sector's mean "
      "wage is wage_eur x the skills' mean factor)");
  skill.number("unemployment_rate").range(0, 1).doc("unemployment rate of the level at the start");

  auto& sector = root.list("sectors").min_items(1).max_items(60).doc("sectors of activity").item();
  sector.string("name").identifier().doc("sector name");
  sector.number("job_share").range(0, 1).doc("share of the territory's jobs at the start");
  sector.number("tradable_share").range(0, 1).def(0.0).doc(
      "share of the sector's output sold outside the territory (or paid for from outside: public administration)");
  sector.number("growth_elasticity").range(-5, 5).def(1.0).doc(
      "elasticity of the tradable demand to national growth net of the productivity trend");
  sector.number("wage_eur").range(100, 100000).def(2200.0).unit("EUR/month").doc(
      "gross monthly wage at a skill wage factor of 1 (a worker earns it x the skill's wage_factor, so the sector's "
      "mean wage is it x the skills' mean factor)");
  sector.number("margin").range(0, 0.9).def(0.3).doc("gross operating margin: share of value added not paid in wages");
  sector.number("required_skill").range(0, 7).def(0.0).doc("mean skill level (index) that the sector's firms require");
  sector.number("creation_share").range(0, 1).def(0.0).doc("share of new firms created in this sector");
  sector.number("return_rate").range(-1, 5).def(0.06).unit("1/year").doc(
      "expected return on capital invested in the sector's firms (before productivity effects)");

  auto& io = root.list("input_output").def(sim::Value::list()).doc(
      "local input-output coefficients: EUR bought from `from` in the territory per EUR of output of `to`").item();
  io.string("from").ref("sectors").doc("supplying sector");
  io.string("to").ref("sectors").doc("buying sector");
  io.number("coefficient").range(0, 0.9).doc("local purchases per EUR of output");

  {
    auto& w = root.section("workers").def(sim::Value::map()).doc("workers: ages, search, flows in and out of the labour force").section();
    w.integer("entry_age").range(14, 40).def(20).unit("years").doc("age of young entrants");
    w.integer("retirement_age").range(45, 80).def(62).unit("years").doc("age at which workers retire");
    w.number("initial_duration_mean_months").range(0, 120).def(12.0).unit("months").doc(
        "mean unemployment duration of the unemployed at the start (geometric)");
    w.number("separation_rate").range(0, 1).def(0.02).unit("1/month").doc("monthly probability that a job ends (quit, contract end)");
    w.number("on_the_job_search").range(0, 1).def(0.05).unit("1/month").doc("share of employed residents searching in a month");
    w.integer("applications").range(1, 16).def(3).doc("applications a searcher sends a month");
    w.number("gravity_minutes").range(1, 1000).def(20.0).unit("min").doc(
        "travel time over which the weight of a zone's vacancies falls by e (exp(-t/this))");
    w.number("sector_mismatch_acceptance").range(0, 1).def(0.3).doc("probability that a firm accepts an applicant of another sector");
    w.number("underqualified_acceptance").range(0, 1).def(0.2).doc("probability that a firm accepts an applicant below its skill level");
    w.number("reservation_decay").range(0, 1).def(0.02).unit("1/month").doc(
        "fall of the reservation wage per month of unemployment, relative to the last wage");
    w.number("reservation_floor_eur").range(0, 100000).def(1450.0).unit("EUR/month").doc("lowest reservation wage (minimum wage)");
    w.number("switch_gain").range(0, 5).def(0.05).doc("wage gain an employed searcher needs to change jobs");
    w.number("entrants_per_year").range(0, 1e8).def(0.0).unit("workers/year").doc("young people entering the labour force");
    w.number("graduates_per_year").range(0, 1e8).def(0.0).unit("workers/year").doc("university graduates (highest skill)");
    w.number("graduate_retention").range(0, 1).def(0.3).doc("share of graduates who stay and enter the local labour force");
    w.number("in_migrants_per_year").range(0, 1e8).def(0.0).unit("workers/year").doc(
        "workers moving in when the gap to the national rate is the reference gap");
    w.number("out_migration_unemployed").range(0, 1).def(0.0).unit("1/month").doc("monthly probability that a resident without a job (unemployed, in training or inactive) moves out");
    w.number("out_migration_employed").range(0, 1).def(0.0).unit("1/month").doc("monthly probability that an employed resident moves out");
    w.number("migration_gap_sensitivity").range(0, 1000).def(0.0).doc(
        "relative change of migration flows per point (0.01) of gap above the reference gap");
    w.number("reference_gap").range(-1, 1).def(0.0).doc("gap (local - national unemployment) at which migration is at its base rates");
    w.number("discouragement_rate").range(0, 1).def(0.0).unit("1/month").doc("monthly probability that a long-term unemployed leaves the labour force");
    w.integer("discouragement_after_months").range(0, 600).def(12).unit("months").doc("unemployment duration after which discouragement applies");
    w.number("return_rate").range(0, 1).def(0.05).unit("1/month").doc("monthly probability that an inactive resident searches again (the initial inactive pool, discouraged x long-term unemployed / this, is capped at the resident labour force)");
  }
  {
    auto& c = root.section("commuting").def(sim::Value::map()).doc("workers crossing the territory's boundary").section();
    c.integer("in_commuters").range(0, 50'000'000).def(0).unit("workers").doc("outside residents holding jobs in the territory at the start");
    c.integer("outside_job_seekers").range(0, 50'000'000).def(0).unit("workers").doc(
        "outside residents who search for jobs in the territory (unemployed outside agents)");
    c.number("out_commuter_share").range(0, 1).def(0.0).doc("share of employed residents working outside at the start");
    c.number("outside_job_finding").range(0, 1).def(0.0).unit("1/month").doc(
        "monthly probability that an unemployed resident finds a job outside, at the national rate of the start");
    c.number("outside_finding_elasticity").range(0, 20).def(1.0).doc(
        "outside job finding scales as (national rate at start / national rate now)^this");
  }
  {
    auto& f = root.section("firms").def(sim::Value::map()).doc("establishments: size, demand, cash, productivity").section();
    f.integer("count").range(1, 10'000'000).def(1000).unit("firms").doc(
      "establishments at the start, in all: the plants of closure events included (and at least one other)");
    f.number("size_sigma").range(0, 5).def(1.3).doc("log-normal spread of initial establishment sizes");
    f.number("initial_vacancy_rate").range(0, 0.5).def(0.02).doc("share of jobs vacant at the start");
    f.number("demand_volatility").range(0, 2).def(0.03).doc("monthly log-normal volatility of a firm's market share");
    f.number("cash_buffer_months").range(0, 120).def(3.0).unit("months").doc(
        "cash a firm keeps, in months of its wage bill; more is paid out");
    f.number("cash_volatility").range(0, 10).def(0.1).doc(
        "monthly profit shock: standard deviation, per sqrt(job), relative to value added per job");
    f.number("net_margin").range(-1, 1).def(0.05).doc(
        "share of value added left after wages and capital costs (interest, depreciation) at full productivity, "
        "with wages at wage_eur (the skills' mean wage factor above 1 makes the margin earned smaller)");
    f.number("fixed_cost_eur").range(0, 1e7).def(0.0).unit("EUR/month").doc("fixed cost of an establishment");
    f.integer("young_age_months").range(1, 600).def(36).unit("months").doc("age over which a new firm's productivity reaches its level");
    f.number("young_productivity_penalty").range(0, 0.9).def(0.2).doc("productivity shortfall of a new firm (falls linearly to 0)");
    f.number("cessation_rate").range(0, 1).def(0.0).unit("1/year").doc(
        "voluntary cessations: yearly hazard of a mature one-job establishment (owner retires, sells, stops)");
    f.number("young_cessation_rate").range(0, 1).def(0.0).unit("1/year").doc(
        "yearly cessation hazard of a one-job establishment at creation; falls linearly to `cessation_rate` at `young_age_months`");
    f.number("cessation_size_elasticity").range(0, 3).def(0.0).doc(
        "the cessation hazard scales as employees^-this (larger establishments cease less often)");
    f.number("startup_cash_months").range(0, 120).def(3.0).unit("months").doc("initial cash of a new firm, in months of its wage bill");
    f.number("startup_size_mean").range(1, 1000).def(2.0).unit("jobs").doc("mean initial target of a new firm (1 + Poisson)");
    f.number("ess_share").range(0, 1).def(0.0).doc("share of firms in the social and solidarity economy (ESS)");
    f.number("ess_volatility_factor").range(0, 5).def(1.0).doc("ESS firms' profit shocks relative to others'");
    f.number("productivity_demand_elasticity").range(0, 10).def(2.0).doc(
        "price elasticity of tradable demand: a firm's tradable output grows as productivity^this");
    f.number("wage_productivity_elasticity").range(0, 2).def(0.5).doc("wage offers grow as productivity^this");
    f.number("exogenous_income_share").range(0, 0.95).def(0.3).doc(
        "share of residents' income at the start not from work (pensions, transfers), held constant");
    f.number("benefit_replacement").range(0, 1).def(0.6).doc("unemployment benefit relative to the mean wage, in residents' income");
    f.number("productivity_trend").range(-0.1, 0.2).def(0.01).unit("1/year").doc(
        "trend labour productivity growth; tradable jobs follow national growth net of it");
    f.number("jobs_per_meur").range(0, 1000).def(8.0).unit("jobs/MEUR").doc("jobs an invested million euros adds to a firm's market");
  }
  {
    auto& c = root.section("creation").def(sim::Value::map()).doc("business creation").section();
    c.number("baseline_per_year").range(0, 1e8).def(0.0).unit("firms/year").doc("creations by the baseline process (Poisson)");
    c.number("entrepreneur_rate_unemployed").range(0, 1).def(0.0).unit("1/month").doc("monthly probability that an unemployed resident creates a firm");
    c.number("entrepreneur_rate_employed").range(0, 1).def(0.0).unit("1/month").doc("monthly probability that an employed resident creates a firm");
  }
  {
    auto& a = root.section("attractiveness").def(sim::Value::map()).doc("how outside companies rate sites: weights of a logit choice").section();
    a.number("cluster").range(0, 100).def(1.0).doc("weight of log(1 + jobs of the site's cluster in the company's sector)");
    a.number("lab").range(0, 100).def(0.5).doc("weight of a research lab at the site (in the company's sector)");
    a.number("labour").range(0, 100).def(0.5).doc("weight of log(1 + job seekers within gravity reach)");
    a.number("grant").range(0, 100).def(0.05).unit("per kEUR a job").doc(
        "weight of the establishment grant the site offers, in thousands of euros a job (policies.establishment_grant)");
  }

  auto& cluster = root.list("clusters").def(sim::Value::list()).doc("innovation clusters: a sector at a site").item();
  cluster.string("name").identifier().doc("cluster name (its series: jobs_cluster_<name>)");
  cluster.string("sector").ref("sectors").doc("the cluster's sector");
  cluster.string("site").ref("zones").doc("the zone of its site");
  cluster.month("opening").optional().doc("month it opens (absent: never in this scenario)");
  cluster.number("capacity_jobs").range(0, 1e7).def(1000.0).unit("jobs").doc(
      "jobs the site can host in the cluster's firms (scaled): new firms and outside companies' plants of its sector stop locating there once it is full");
  cluster.number("agglomeration_elasticity").range(0, 5).def(0.05).doc(
      "productivity of cluster firms grows by this x log(1 + cluster jobs / reference jobs)");
  cluster.number("reference_jobs").range(1, 1e7).def(100.0).unit("jobs").doc("jobs scale of agglomeration (scaled)");
  cluster.boolean("lab").def(false).doc("a research lab linked to the cluster");
  cluster.number("lab_spillover").range(0, 5).def(0.0).doc(
      "productivity gain of cluster firms from the lab (only with lab: true; refused otherwise)");
  cluster.number("creation_share").range(0, 1).def(0.5).doc("share of the sector's new firms that locate at the site once open");
  cluster.number("budget_eur").range(0, 1e12).def(0.0).unit("EUR").doc(
      "public budget of the cluster (scaled): it bounds the running cost counted as spending, not what the cluster "
      "does (it acts whatever is left)");
  cluster.number("monthly_cost_eur").range(0, 1e10).def(0.0).unit("EUR/month").doc("running cost once open (scaled)");

  auto& inv = root.list("investors").def(sim::Value::list()).doc("investors: funding of start-ups and expansions, new establishments").item();
  inv.string("name").identifier().doc("investor type name (its series: investment_<name>)");
  inv.string("kind").choices({"angel", "public_fund", "venture_capital", "outside_company"}).doc("kind of investor");
  inv.number("capital_eur_per_year").range(0, 1e12).def(0.0).unit("EUR/year").doc("money available a year for the territory (scaled)");
  inv.number("hurdle_rate").range(-1, 5).def(0.05).unit("1/year").doc("return required over the interest rate");
  inv.number("ticket_eur").range(0, 1e10).def(100000.0).unit("EUR").doc("size of one investment");
  inv.number("awareness").range(0, 1).def(0.5).doc("awareness of the territory at the start");
  inv.number("startup_share").range(0, 1).def(0.0).doc(
      "share of new firms (preferred sectors, aware) that ask this investor (not an outside company)");
  inv.number("deals_per_year").range(0, 1e6).def(0.0).unit("1/year").doc(
      "expansions of existing firms considered (not an outside company; scaled)");
  inv.number("arrivals_per_year").range(0, 1e6).def(0.0).unit("1/year").doc(
      "new establishments considered, at full awareness (outside companies; scaled)");
  inv.number("plant_jobs_mean").range(0, 1e6).def(50.0).unit("jobs").doc(
      "mean size of a new establishment (outside companies; not scaled: their number is, with arrivals_per_year)");
  inv.number("other_sectors_weight").range(0, 100).def(1.0).doc("preference weight of sectors not listed");
  auto& pref = inv.list("preferences").def(sim::Value::list()).doc("sector preference weights").item();
  pref.string("sector").ref("sectors").doc("a sector");
  pref.number("weight").range(0, 100).doc("its weight");

  {
    auto& c = root.section("context").def(sim::Value::map()).doc("national context (metropolitan France), linearly interpolated between points").section();
    c.series("national_unemployment_rate").range(0, 1)
        .def(series({{"2014-12", 0.100}, {"2015-09", 0.102}, {"2017-06", 0.091}, {"2018-11", 0.088},
                     {"2019-06", 0.081}, {"2019-12", 0.081}, {"2020-06", 0.075}, {"2020-12", 0.080}}))
        .doc("ILO unemployment rate (Insee; see scenarios/amiens/README.md)");
    c.series("gdp_growth").range(-0.5, 0.5)
        .def(series({{"2015-06", 0.011}, {"2016-06", 0.011}, {"2017-06", 0.023}, {"2018-06", 0.019},
                     {"2019-06", 0.018}, {"2019-12", 0.018}, {"2020-06", -0.079}, {"2020-12", 0.0}}))
        .unit("1/year")
        .doc("annual real GDP growth (orders of magnitude of Insee's national accounts, entered from memory, not "
             "checked against the source: scenarios/amiens/README.md)");
    c.series("interest_rate").range(-0.1, 0.5)
        .def(series({{"2015-01", 0.02}, {"2020-12", 0.015}}))
        .unit("1/year")
        .doc("lending rate to firms (an order of magnitude, entered from memory: scenarios/amiens/README.md)");
  }

  auto& pol = root.section("policies").def(sim::Value::map()).doc("the policies; each has a window, a budget and its spending accounted").section();
  {
    auto& r = pol.section("portal").def(sim::Value::map()).doc("the business-creation portal").section();
    window_fields(r, "the portal");
    r.number("creation_boost").range(0, 10).def(0.0).doc("relative increase of baseline creations while it runs");
    r.number("supported_cash_months").range(0, 120).def(0.0).unit("months").doc("extra money for the firms it supports, in months of wage bill, held in their reserve (it covers their losses until spent)");
    r.number("cost_per_creation_eur").range(0, 1e9).def(0.0).unit("EUR").doc(
      "cost of supporting one creation, paid whole or not at all; the portal supports every baseline creation as well "
      "as its own while what is left pays one (at 0, with a budget above 0, every creation of its window, spending nothing)");
  }
  {
    auto& r = pol.section("entrepreneur_support").def(sim::Value::map()).doc("support to job seekers who create their firm").section();
    window_fields(r, "entrepreneur support");
    r.number("rate_boost").range(0, 20).def(0.0).doc("relative increase of the unemployed's entrepreneurship rate");
    r.number("grant_eur").range(0, 1e9).def(0.0).unit("EUR").doc(
      "grant to each unemployed founder while the support runs, held in the firm's reserve (it covers the firm's "
      "losses until spent); the last one is cut to what is left of the budget; at 0, with a budget above 0, nothing is spent and the boost "
      "runs for the whole window");
  }
  {
    auto& r = pol.list("training").def(sim::Value::list()).doc("training programmes").item();
    r.string("name").identifier().doc("programme name (its series: spending_training_<name>)");
    window_fields(r, "the programme");
    r.number("places_per_year").range(0, 1e7).def(0.0).unit("places/year").doc("entries into the programme (scaled)");
    r.integer("duration_months").range(1, 60).def(6).unit("months").doc("length of the training");
    r.number("cost_per_place_eur").range(0, 1e9).def(0.0).unit("EUR").doc(
      "cost of one place; the programme takes only the whole places what is left of its budget pays for (at 0, any "
      "number, whatever the budget)");
    r.number("success_rate").range(0, 1).def(0.7).doc("share of trainees who gain a skill level and the target sector");
    r.string("target_sector").ref("sectors").doc("sector the training prepares for");
    r.integer("min_unemployment_months").range(0, 600).def(6).unit("months").doc("unemployment duration required to enter");
  }
  {
    auto& r = pol.section("hiring_subsidy").def(sim::Value::map()).doc("a subsidy to firms that hire long-term job seekers").section();
    window_fields(r, "the hiring subsidy");
    r.number("eur_per_hire").range(0, 1e9).def(0.0).unit("EUR").doc(
      "subsidy per eligible hire, paid to the firm (the last one cut to what is left of the budget); at 0, with a "
      "budget above 0, nothing is spent and the priority runs for the whole window");
    r.integer("min_unemployment_months").range(0, 600).def(12).unit("months").doc(
      "unemployment duration that makes the hire of an unemployed resident eligible (outside job seekers never are)");
    r.number("priority_bonus").range(0, 10).def(0.5).doc(
      "how much firms prefer eligible applicants (added to a uniform priority), while the budget is not spent (to the "
      "end of the month in which it runs out)");
  }
  {
    auto& r = pol.section("creation_subsidy").def(sim::Value::map()).doc("a grant to each new firm").section();
    window_fields(r, "the creation subsidy");
    r.number("eur_per_creation").range(0, 1e9).def(0.0).unit("EUR").doc(
      "grant per new firm, held in its reserve (it covers its losses until spent); the last one is cut to what is "
      "left of the budget; at 0, with a budget above 0, nothing is spent and the boost runs for the whole window");
    r.number("creation_boost").range(0, 10).def(0.0).doc("relative increase of baseline creations");
  }
  {
    auto& r = pol.section("establishment_grant").def(sim::Value::map()).doc(
        "a grant to outside companies that open an establishment at chosen sites (an implantation aid); it enters "
        "their choice of site (attractiveness.grant)").section();
    window_fields(r, "the establishment grant");
    auto& site = r.list("sites").def(sim::Value::list()).doc("the zones where it is offered, and how much").item();
    site.string("zone").ref("zones").doc("a zone of the territory");
    site.number("eur_per_job").range(0, 1e9).unit("EUR").doc(
        "grant per job of an establishment that opens there, paid to it when it opens (the last one cut to what is "
        "left of the budget)");
  }
  {
    auto& r = pol.section("marketing").def(sim::Value::map()).doc("territorial marketing toward investors").section();
    window_fields(r, "territorial marketing");
    r.number("monthly_spend_eur").range(0, 1e10).def(0.0).unit("EUR/month").doc("spending a month (scaled)");
    r.number("awareness_per_meur").range(0, 100).def(0.0).doc(
        "awareness gained per million euros spent at full scale (at scale s, the same awareness for s times the money)");
    r.number("awareness_decay").range(0, 1).def(0.02).unit("1/month").doc("monthly decay of the awareness gained");
  }
  {
    auto& r = pol.list("partner_funds")
                  .def(sim::Value::list())
                  .doc("partners' funds added to an investor's capital: the budget in equal monthly parts over the "
                       "whole window (a window that starts before the scenario leaves the earlier parts unpaid)")
                  .item();
    r.string("name").identifier().doc("fund name (its series: spending_fund_<name>)");
    window_fields(r, "the fund");
    r.string("investor").ref("investors").doc("the investor that invests the fund");
  }
  {
    auto& r = pol.list("events").def(sim::Value::list()).doc("one-off events: a plant closure (the plant exists from the start) or an arrival").item();
    r.string("name").doc("event name");
    r.string("kind").choices({"closure", "arrival"}).doc("closure or arrival");
    r.month("month").doc("month of the event");
    r.string("zone").ref("zones").doc("zone of the plant");
    r.string("sector").ref("sectors").doc("sector of the plant");
    r.integer("jobs").range(1, 1'000'000).doc("jobs of the plant (scaled)");
  }

  root.check([](const sim::Value& cfg, const Report& report) {
    const sim::Value& zones = cfg["zones"];
    unique_names(zones, "zones", report);
    std::size_t outside = 0;
    std::string outside_name;
    double job_share = 0;
    for (std::size_t i = 0; i < zones.items().size(); ++i) {
      const sim::Value& z = zones.items()[i];
      if (z["kind"].as_string() == "outside") {
        ++outside;
        outside_name = z["name"].as_string();
        if (z["labour_force"].as_int() != 0 || z["job_share"].as_double() != 0)
          report(z["kind"], fmt::format("zones[{}]", i), "the outside zone has no labour force or jobs of the territory");
      }
      job_share += z["job_share"].as_double();
    }
    if (outside != 1) report(zones, "zones", fmt::format("expected exactly one zone of kind outside, found {}", outside));
    if (std::fabs(job_share - 1) > 1e-6) report(zones, "zones", fmt::format("job shares sum to {:.10g}, expected 1", job_share));
    if (zones.items().size() > 255) report(zones, "zones", "at most 255 zones");

    const sim::Value& skills = cfg["skills"];
    unique_names(skills, "skills", report);
    double share = 0;
    for (const auto& s : skills.items()) share += s["share"].as_double();
    if (std::fabs(share - 1) > 1e-6) report(skills, "skills", fmt::format("skill shares sum to {:.10g}, expected 1", share));

    const sim::Value& sectors = cfg["sectors"];
    unique_names(sectors, "sectors", report);
    double jobs = 0, creations = 0;
    for (std::size_t i = 0; i < sectors.items().size(); ++i) {
      const auto& s = sectors.items()[i];
      jobs += s["job_share"].as_double();
      creations += s["creation_share"].as_double();
      if (s["required_skill"].as_double() > static_cast<double>(skills.items().size() - 1))
        report(s["required_skill"], fmt::format("sectors[{}].required_skill", i), "above the highest skill level");
    }
    if (std::fabs(jobs - 1) > 1e-6) report(sectors, "sectors", fmt::format("job shares sum to {:.10g}, expected 1", jobs));
    if (std::fabs(creations - 1) > 1e-6)
      report(sectors, "sectors", fmt::format("creation shares sum to {:.10g}, expected 1", creations));
    // Local demand at the start, D0 = (I - A) X0 - exports, must not be negative.
    const std::size_t ns = sectors.items().size();
    std::vector<std::size_t> index_of;
    auto find_sector = [&](const std::string& name) {
      for (std::size_t i = 0; i < ns; ++i)
        if (sectors.items()[i]["name"].as_string() == name) return i;
      return ns;
    };
    Eigen::VectorXd x(static_cast<Eigen::Index>(ns)), ax = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(ns));
    std::vector<double> column(ns, 0.0);
    for (std::size_t i = 0; i < ns; ++i) {
      const auto& s = sectors.items()[i];
      x(static_cast<Eigen::Index>(i)) = s["job_share"].as_double() * s["wage_eur"].as_double() / (1 - s["margin"].as_double());
    }
    for (std::size_t k = 0; k < cfg["input_output"].items().size(); ++k) {
      const auto& e = cfg["input_output"].items()[k];
      const std::size_t from = find_sector(e["from"].as_string()), to = find_sector(e["to"].as_string());
      if (from == ns || to == ns) continue;  // reported as a dangling reference
      column[to] += e["coefficient"].as_double();
      ax(static_cast<Eigen::Index>(from)) += e["coefficient"].as_double() * x(static_cast<Eigen::Index>(to));
    }
    for (std::size_t j = 0; j < ns; ++j) {
      if (column[j] >= 0.95)
        report(cfg["input_output"], "input_output",
               fmt::format("sector {:?} buys {:.3g} locally per EUR of output; must be below 0.95",
                           sectors.items()[j]["name"].as_string(), column[j]));
      const auto& s = sectors.items()[j];
      const double d0 = x(static_cast<Eigen::Index>(j)) * (1 - s["tradable_share"].as_double()) - ax(static_cast<Eigen::Index>(j));
      if (d0 < -1e-9 * x(static_cast<Eigen::Index>(j)))
        report(s["tradable_share"], fmt::format("sectors[{}]", j),
               fmt::format("local purchases from sector {:?} exceed its non-tradable output: lower the input-output "
                           "coefficients from it or its tradable share", s["name"].as_string()));
    }

    unique_names(cfg["clusters"], "clusters", report);
    const auto& clusters = cfg["clusters"].items();
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      if (outside == 1 && clusters[i]["site"].as_string() == outside_name)
        report(clusters[i]["site"], fmt::format("clusters[{}].site", i),
               "a cluster in the outside zone: its firms' jobs would be counted as the territory's; expected a zone "
               "of the territory");
      // A site's firms of a sector belong to one cluster: a second cluster
      // of the same sector and site counted no job and drew no
      // productivity, while it spent its running cost (a review).
      for (std::size_t j = 0; j < i; ++j)
        if (clusters[j]["site"].as_string() == clusters[i]["site"].as_string() &&
            clusters[j]["sector"].as_string() == clusters[i]["sector"].as_string())
          report(clusters[i]["sector"], fmt::format("clusters[{}].sector", i),
                 fmt::format("cluster {} has the sector {} at the site {}, as cluster {} (clusters[{}]) has: a site's "
                             "firms of a sector belong to one cluster",
                             clusters[i]["name"].as_string(), clusters[i]["sector"].as_string(),
                             clusters[i]["site"].as_string(), clusters[j]["name"].as_string(), j));
      // The spillover is the lab's: without one it was taken and ignored
      // (the productivity reads 1 + lab_spillover only where lab is true).
      if (!clusters[i]["lab"].as_bool() && clusters[i]["lab_spillover"].as_double() != 0)
        report(clusters[i]["lab_spillover"], fmt::format("clusters[{}].lab_spillover", i),
               fmt::format("cluster {} has no lab (lab: false), and the spillover is the lab's: expected lab: true, "
                           "or lab_spillover 0, found {}",
                           clusters[i]["name"].as_string(), clusters[i]["lab_spillover"].as_double()));
    }
    unique_names(cfg["investors"], "investors", report);
    for (std::size_t i = 0; i < cfg["investors"].items().size(); ++i)
      if (cfg["investors"].items()[i]["name"].as_string() == "startups")  // the stream territory.invest.startups
        report(cfg["investors"].items()[i]["name"], fmt::format("investors[{}].name", i),
               "\"startups\" is reserved (the start-up funding's random stream has that name): choose another");
    // What each kind does: outside companies open establishments; the
    // others fund start-ups and expansions. A field of the other kind's
    // was taken and ignored (deals_per_year of 1,000 for an outside company
    // changed nothing; a review).
    for (std::size_t i = 0; i < cfg["investors"].items().size(); ++i) {
      const sim::Value& investor = cfg["investors"].items()[i];
      const bool outside_company = investor["kind"].as_string() == "outside_company";
      for (const char* field : {"startup_share", "deals_per_year", "arrivals_per_year"}) {
        const bool theirs = std::string_view(field) == "arrivals_per_year" ? outside_company : !outside_company;
        if (!theirs && investor[field].as_double() != 0)
          report(investor[field], fmt::format("investors[{}].{}", i, field),
                 outside_company ? fmt::format("an outside company opens establishments (arrivals_per_year, "
                                               "plant_jobs_mean) and funds no start-up or expansion: expected 0, "
                                               "found {}", investor[field].as_double())
                                 : fmt::format("only an outside company opens establishments; an investor of kind {} "
                                               "funds start-ups (startup_share) and expansions (deals_per_year): expected 0, found {}",
                                               investor["kind"].as_string(), investor[field].as_double()));
      }
    }
    const auto& w = cfg["workers"];
    if (w["entry_age"].as_int() >= w["retirement_age"].as_int())
      report(w["entry_age"], "workers.entry_age", "must be below workers.retirement_age");
    const auto& events = cfg["policies"]["events"];
    unique_names(events, "policies.events", report);
    if (events.items().size() > 30000) report(events, "policies.events", "at most 30000 events");
    std::int64_t labour_force = 0;
    for (const auto& z : zones.items()) labour_force += z["labour_force"].as_int();
    for (std::size_t i = 0; i < events.items().size(); ++i) {
      const auto& e = events.items()[i];
      // Before the start it would never happen, and say nothing (after the
      // last month is fine: a run may be resumed with more months).
      if (e["month"].as_string() < cfg["start"].as_string())
        report(e["month"], fmt::format("policies.events[{}].month", i),
               fmt::format("{} is before the run starts ({}): the event would never happen", e["month"].as_string(),
                           cfg["start"].as_string()));
      if (outside == 1 && e["zone"].as_string() == outside_name)
        report(e["zone"], fmt::format("policies.events[{}].zone", i),
               "a plant in the outside zone: its jobs would not be the territory's; expected a zone of the territory");
      if (e["jobs"].as_int() > labour_force)
        report(e["jobs"], fmt::format("policies.events[{}].jobs", i),
               fmt::format("{} jobs, more than the territory's labour force ({} workers)", e["jobs"].as_int(), labour_force));
    }

    // Policy windows: a window that ends before it starts never runs, and
    // says nothing about it.
    auto window = [&](const sim::Value& win, const std::string& path) {
      if (win["end"].as_string() < win["start"].as_string())
        report(win["end"], path + ".end",
               fmt::format("the window ends ({}) before it starts ({})", win["end"].as_string(), win["start"].as_string()));
    };
    const auto& policies = cfg["policies"];
    for (const char* name : {"portal", "entrepreneur_support", "hiring_subsidy", "creation_subsidy", "marketing",
                             "establishment_grant"})
      window(policies[name], fmt::format("policies.{}", name));
    // The grant's sites: each zone once, none outside the territory.
    const auto& grant_sites = policies["establishment_grant"]["sites"].items();
    for (std::size_t i = 0; i < grant_sites.size(); ++i) {
      const std::string& named = grant_sites[i]["zone"].as_string();
      const std::string path = fmt::format("policies.establishment_grant.sites[{}].zone", i);
      for (std::size_t j = 0; j < i; ++j)
        if (grant_sites[j]["zone"].as_string() == named)
          report(grant_sites[i]["zone"], path, fmt::format("zone {} is listed twice (also sites[{}])", named, j));
      if (outside == 1 && named == outside_name)
        report(grant_sites[i]["zone"], path,
               "a grant in the outside zone: no establishment opens there; expected a zone of the territory");
    }
    for (const char* name : {"training", "partner_funds"}) {
      unique_names(policies[name], fmt::format("policies.{}", name), report);
      // Each names a series (spending_training_NAME, spending_fund_NAME),
      // an identifier (declared): "a,b" split the series file's header into
      // one column more than its rows (a review).
      for (std::size_t i = 0; i < policies[name].items().size(); ++i)
        window(policies[name].items()[i], fmt::format("policies.{}[{}]", name, i));
    }

    // Links: between two zones, once; and every zone reached (travel times
    // are shortest paths: a zone no link reaches would be infinitely far).
    const auto& links = cfg["links"];
    const std::size_t nz = zones.items().size();
    auto zone_index = [&](const std::string& name) {
      for (std::size_t z = 0; z < nz; ++z)
        if (zones.items()[z]["name"].as_string() == name) return z;
      return nz;  // reported as a dangling reference
    };
    std::vector<std::vector<std::size_t>> next(nz);
    for (std::size_t i = 0; i < links.items().size(); ++i) {
      const auto& l = links.items()[i];
      const std::size_t from = zone_index(l["from"].as_string()), to = zone_index(l["to"].as_string());
      if (from == nz || to == nz) continue;
      if (from == to) {
        report(l["to"], fmt::format("links[{}].to", i), fmt::format("a link from zone {:?} to itself", l["from"].as_string()));
        continue;
      }
      for (std::size_t j = 0; j < i; ++j) {
        const auto& o = links.items()[j];
        const std::size_t a = zone_index(o["from"].as_string()), b = zone_index(o["to"].as_string());
        if ((a == from && b == to) || (a == to && b == from))
          report(l, fmt::format("links[{}]", i),
                 fmt::format("a second link between {:?} and {:?} (also links[{}]): expected one, with its time",
                             l["from"].as_string(), l["to"].as_string(), j));
      }
      next[from].push_back(to);
      next[to].push_back(from);
    }
    std::vector<bool> reached(nz, false);
    std::vector<std::size_t> todo{0};
    if (nz > 0) reached[0] = true;
    while (!todo.empty()) {
      const std::size_t z = todo.back();
      todo.pop_back();
      for (const std::size_t y : next[z])
        if (!reached[y]) reached[y] = true, todo.push_back(y);
    }
    for (std::size_t z = 0; z < nz; ++z)
      if (!reached[z])
        report(zones.items()[z]["name"], fmt::format("zones[{}]", z),
               fmt::format("no link reaches zone {:?} from {:?}: add a link to it (travel times are shortest paths "
                           "along links)", zones.items()[z]["name"].as_string(), zones.items()[0]["name"].as_string()));
  });
}

// ---------------------------------------------------------------- reading

int months_between(const std::string& from, const std::string& to) {
  const int y0 = std::stoi(from.substr(0, 4)), m0 = std::stoi(from.substr(5, 2));
  const int y1 = std::stoi(to.substr(0, 4)), m1 = std::stoi(to.substr(5, 2));
  return (y1 - y0) * 12 + (m1 - m0);
}

double interpolate(const std::vector<std::pair<int, double>>& pts, int t) {
  if (pts.empty()) return 0;
  if (t <= pts.front().first) return pts.front().second;
  if (t >= pts.back().first) return pts.back().second;
  for (std::size_t i = 1; i < pts.size(); ++i) {
    if (t == pts[i].first) return pts[i].second;  // a point as given (the line's arithmetic is not exact)
    if (t < pts[i].first) {
      const auto [t0, v0] = pts[i - 1];
      const auto [t1, v1] = pts[i];
      // Between the two values, rounding included (a rate of 1 came out
      // as 1.0000000000000002).
      return std::clamp(v0 + (v1 - v0) * static_cast<double>(t - t0) / static_cast<double>(t1 - t0),
                        std::min(v0, v1), std::max(v0, v1));
    }
  }
  return pts.back().second;
}

std::int64_t Params::scaled(double count) const { return static_cast<std::int64_t>(std::llround(count * scale)); }

namespace {

std::size_t index_in(const sim::Value& list, const std::string& name) {
  for (std::size_t i = 0; i < list.items().size(); ++i)
    if (list.items()[i]["name"].as_string() == name) return i;
  throw std::logic_error("territory: unknown reference " + name);  // validation refuses these
}

}  // namespace

Params Params::from_config(const sim::Value& c) {
  Params p;
  p.scale = c["scale"].as_double();
  p.start = c["start"].as_string();
  p.months = static_cast<int>(c["months"].as_int());
  auto month = [&](const sim::Value& v) { return months_between(p.start, v.as_string()); };
  auto window = [&](const sim::Value& v, Window& out) {
    out.enabled = v["enabled"].as_bool();
    out.start = month(v["start"]);
    out.end = month(v["end"]);
    out.budget_eur = v["budget_eur"].as_double() * p.scale;
  };
  auto points = [&](const sim::Value& s) {
    std::vector<std::pair<int, double>> out;
    for (const auto& [m, v] : s.entries()) out.emplace_back(months_between(p.start, m), v.as_double());
    return out;
  };

  const sim::Value& zones = c["zones"];
  for (std::size_t i = 0; i < zones.items().size(); ++i) {
    const auto& z = zones.items()[i];
    ZoneSpec s;
    s.name = z["name"].as_string();
    const auto& kind = z["kind"].as_string();
    s.kind = kind == "outside" ? ZoneKind::Outside : kind == "site" ? ZoneKind::Site : ZoneKind::Commune;
    if (s.kind == ZoneKind::Outside) p.outside = i;
    s.labour_force = z["labour_force"].as_int();
    s.job_share = z["job_share"].as_double();
    p.zones.push_back(s);
  }
  for (const auto& l : c["links"].items())
    p.links.push_back({index_in(zones, l["from"].as_string()), index_in(zones, l["to"].as_string()), l["minutes"].as_double()});
  for (const auto& s : c["skills"].items())
    p.skills.push_back({s["name"].as_string(), s["share"].as_double(), s["wage_factor"].as_double(),
                        s["unemployment_rate"].as_double()});
  const sim::Value& sectors = c["sectors"];
  for (const auto& s : sectors.items()) {
    SectorSpec x;
    x.name = s["name"].as_string();
    x.job_share = s["job_share"].as_double();
    x.tradable_share = s["tradable_share"].as_double();
    x.growth_elasticity = s["growth_elasticity"].as_double();
    x.wage_eur = s["wage_eur"].as_double();
    x.margin = s["margin"].as_double();
    x.required_skill = s["required_skill"].as_double();
    x.creation_share = s["creation_share"].as_double();
    x.return_rate = s["return_rate"].as_double();
    p.sectors.push_back(x);
  }
  const auto ns = static_cast<Eigen::Index>(p.sectors.size());
  p.io = Eigen::MatrixXd::Zero(ns, ns);
  for (const auto& e : c["input_output"].items())
    p.io(static_cast<Eigen::Index>(index_in(sectors, e["from"].as_string())),
         static_cast<Eigen::Index>(index_in(sectors, e["to"].as_string()))) += e["coefficient"].as_double();

  const auto& w = c["workers"];
  p.entry_age = static_cast<int>(w["entry_age"].as_int());
  p.retirement_age = static_cast<int>(w["retirement_age"].as_int());
  p.initial_duration_mean_months = w["initial_duration_mean_months"].as_double();
  p.separation_rate = w["separation_rate"].as_double();
  p.on_the_job_search = w["on_the_job_search"].as_double();
  p.applications = static_cast<int>(w["applications"].as_int());
  p.gravity_minutes = w["gravity_minutes"].as_double();
  p.sector_mismatch_acceptance = w["sector_mismatch_acceptance"].as_double();
  p.underqualified_acceptance = w["underqualified_acceptance"].as_double();
  p.reservation_decay = w["reservation_decay"].as_double();
  p.reservation_floor_eur = w["reservation_floor_eur"].as_double();
  p.switch_gain = w["switch_gain"].as_double();
  p.entrants_per_year = w["entrants_per_year"].as_double() * p.scale;
  p.graduates_per_year = w["graduates_per_year"].as_double() * p.scale;
  p.graduate_retention = w["graduate_retention"].as_double();
  p.in_migrants_per_year = w["in_migrants_per_year"].as_double() * p.scale;
  p.out_migration_unemployed = w["out_migration_unemployed"].as_double();
  p.out_migration_employed = w["out_migration_employed"].as_double();
  p.migration_gap_sensitivity = w["migration_gap_sensitivity"].as_double();
  p.reference_gap = w["reference_gap"].as_double();
  p.discouragement_rate = w["discouragement_rate"].as_double();
  p.discouragement_after_months = static_cast<int>(w["discouragement_after_months"].as_int());
  p.return_rate = w["return_rate"].as_double();

  const auto& cm = c["commuting"];
  p.in_commuters = p.scaled(static_cast<double>(cm["in_commuters"].as_int()));
  p.outside_job_seekers = p.scaled(static_cast<double>(cm["outside_job_seekers"].as_int()));
  p.out_commuter_share = cm["out_commuter_share"].as_double();
  p.outside_job_finding = cm["outside_job_finding"].as_double();
  p.outside_finding_elasticity = cm["outside_finding_elasticity"].as_double();

  const auto& f = c["firms"];
  p.firms = std::max<std::int64_t>(1, p.scaled(static_cast<double>(f["count"].as_int())));
  p.size_sigma = f["size_sigma"].as_double();
  p.initial_vacancy_rate = f["initial_vacancy_rate"].as_double();
  p.demand_volatility = f["demand_volatility"].as_double();
  p.cash_buffer_months = f["cash_buffer_months"].as_double();
  p.cash_volatility = f["cash_volatility"].as_double();
  p.fixed_cost_eur = f["fixed_cost_eur"].as_double();
  p.net_margin = f["net_margin"].as_double();
  p.young_age_months = static_cast<int>(f["young_age_months"].as_int());
  p.young_productivity_penalty = f["young_productivity_penalty"].as_double();
  p.cessation_rate = f["cessation_rate"].as_double();
  p.young_cessation_rate = f["young_cessation_rate"].as_double();
  p.cessation_size_elasticity = f["cessation_size_elasticity"].as_double();
  p.startup_cash_months = f["startup_cash_months"].as_double();
  p.startup_size_mean = f["startup_size_mean"].as_double();
  p.ess_share = f["ess_share"].as_double();
  p.ess_volatility_factor = f["ess_volatility_factor"].as_double();
  p.productivity_demand_elasticity = f["productivity_demand_elasticity"].as_double();
  p.wage_productivity_elasticity = f["wage_productivity_elasticity"].as_double();
  p.exogenous_income_share = f["exogenous_income_share"].as_double();
  p.benefit_replacement = f["benefit_replacement"].as_double();
  p.productivity_trend = f["productivity_trend"].as_double();
  p.jobs_per_meur = f["jobs_per_meur"].as_double();

  const auto& cr = c["creation"];
  p.baseline_creations_per_year = cr["baseline_per_year"].as_double() * p.scale;
  p.entrepreneur_rate_unemployed = cr["entrepreneur_rate_unemployed"].as_double();
  p.entrepreneur_rate_employed = cr["entrepreneur_rate_employed"].as_double();
  const auto& at = c["attractiveness"];
  p.attract_cluster = at["cluster"].as_double();
  p.attract_lab = at["lab"].as_double();
  p.attract_labour = at["labour"].as_double();
  p.attract_grant = at["grant"].as_double();

  for (const auto& k : c["clusters"].items()) {
    ClusterSpec s;
    s.name = k["name"].as_string();
    s.sector = index_in(sectors, k["sector"].as_string());
    s.site = index_in(zones, k["site"].as_string());
    s.opening = k["opening"].is_null() ? -1 : std::max(0, month(k["opening"]));
    s.capacity_jobs = k["capacity_jobs"].as_double() * p.scale;
    s.agglomeration_elasticity = k["agglomeration_elasticity"].as_double();
    s.reference_jobs = k["reference_jobs"].as_double();
    s.lab = k["lab"].as_bool();
    s.lab_spillover = k["lab_spillover"].as_double();
    s.creation_share = k["creation_share"].as_double();
    s.budget_eur = k["budget_eur"].as_double() * p.scale;
    s.monthly_cost_eur = k["monthly_cost_eur"].as_double() * p.scale;
    p.clusters.push_back(s);
  }
  for (const auto& k : c["investors"].items()) {
    InvestorSpec s;
    s.name = k["name"].as_string();
    const auto& kind = k["kind"].as_string();
    s.kind = kind == "angel"             ? InvestorKind::Angel
             : kind == "public_fund"     ? InvestorKind::PublicFund
             : kind == "venture_capital" ? InvestorKind::VentureCapital
                                         : InvestorKind::OutsideCompany;
    s.capital_eur_per_year = k["capital_eur_per_year"].as_double() * p.scale;
    s.hurdle_rate = k["hurdle_rate"].as_double();
    s.ticket_eur = k["ticket_eur"].as_double();
    s.awareness = k["awareness"].as_double();
    s.startup_share = k["startup_share"].as_double();
    s.deals_per_year = k["deals_per_year"].as_double() * p.scale;
    s.arrivals_per_year = k["arrivals_per_year"].as_double() * p.scale;
    s.plant_jobs_mean = k["plant_jobs_mean"].as_double();  // their number is scaled: the jobs they bring once
    s.sector_weight.assign(p.sectors.size(), k["other_sectors_weight"].as_double());
    for (const auto& pr : k["preferences"].items())
      s.sector_weight[index_in(sectors, pr["sector"].as_string())] = pr["weight"].as_double();
    p.investors.push_back(s);
  }

  const auto& ctx = c["context"];
  p.national_unemployment = points(ctx["national_unemployment_rate"]);
  p.gdp_growth = points(ctx["gdp_growth"]);
  p.interest_rate = points(ctx["interest_rate"]);

  const auto& pol = c["policies"];
  window(pol["portal"], p.portal);
  p.portal.creation_boost = pol["portal"]["creation_boost"].as_double();
  p.portal.supported_cash_months = pol["portal"]["supported_cash_months"].as_double();
  p.portal.cost_per_creation_eur = pol["portal"]["cost_per_creation_eur"].as_double();
  window(pol["entrepreneur_support"], p.entrepreneur_support);
  p.entrepreneur_support.rate_boost = pol["entrepreneur_support"]["rate_boost"].as_double();
  p.entrepreneur_support.grant_eur = pol["entrepreneur_support"]["grant_eur"].as_double();
  for (const auto& t : pol["training"].items()) {
    TrainingSpec s;
    window(t, s);
    s.name = t["name"].as_string();
    s.places_per_year = t["places_per_year"].as_double() * p.scale;
    s.duration_months = static_cast<int>(t["duration_months"].as_int());
    s.cost_per_place_eur = t["cost_per_place_eur"].as_double();
    s.success_rate = t["success_rate"].as_double();
    s.target_sector = index_in(sectors, t["target_sector"].as_string());
    s.min_unemployment_months = static_cast<int>(t["min_unemployment_months"].as_int());
    p.training.push_back(s);
  }
  window(pol["hiring_subsidy"], p.hiring_subsidy);
  p.hiring_subsidy.eur_per_hire = pol["hiring_subsidy"]["eur_per_hire"].as_double();
  p.hiring_subsidy.min_unemployment_months = static_cast<int>(pol["hiring_subsidy"]["min_unemployment_months"].as_int());
  p.hiring_subsidy.priority_bonus = pol["hiring_subsidy"]["priority_bonus"].as_double();
  window(pol["creation_subsidy"], p.creation_subsidy);
  p.creation_subsidy.eur_per_creation = pol["creation_subsidy"]["eur_per_creation"].as_double();
  p.creation_subsidy.creation_boost = pol["creation_subsidy"]["creation_boost"].as_double();
  window(pol["establishment_grant"], p.establishment_grant);
  p.establishment_grant.eur_per_job.assign(p.zones.size(), 0.0);
  for (const auto& k : pol["establishment_grant"]["sites"].items())
    p.establishment_grant.eur_per_job[index_in(zones, k["zone"].as_string())] = k["eur_per_job"].as_double();
  window(pol["marketing"], p.marketing);
  p.marketing.monthly_spend_eur = pol["marketing"]["monthly_spend_eur"].as_double() * p.scale;
  p.marketing.awareness_per_meur = pol["marketing"]["awareness_per_meur"].as_double();
  p.marketing.awareness_decay = pol["marketing"]["awareness_decay"].as_double();
  for (const auto& fnd : pol["partner_funds"].items()) {
    PartnerFundSpec s;
    window(fnd, s);
    s.name = fnd["name"].as_string();
    s.investor = index_in(c["investors"], fnd["investor"].as_string());
    p.partner_funds.push_back(s);
  }
  for (const auto& e : pol["events"].items()) {
    EventSpec s;
    s.name = e["name"].as_string();
    s.closure = e["kind"].as_string() == "closure";
    s.month = month(e["month"]);
    s.zone = index_in(zones, e["zone"].as_string());
    s.sector = index_in(sectors, e["sector"].as_string());
    s.jobs = std::max<std::int64_t>(1, p.scaled(static_cast<double>(e["jobs"].as_int())));
    p.events.push_back(s);
  }
  return p;
}

namespace {
// A closure event's plant opens with the initial state and knows its event
// by its place in the list; its closure acts at its month. So a
// reconfiguration keeps each closure event at its place with its plant
// (name, kind, zone, sector, jobs), moves its month only while the old and
// the new month are both to come, and adds none: changed, the run went on
// as before (jobs=10 for a plant of 1,100: the same separations), or a plant
// closed at another event's month, or never closed (a review). An arrival
// that has happened stays as it was, and one to come moves only to a month
// to come (moved on, a plant that had opened opened again).
std::string events_problem(const sim::Value& running, const sim::Value& next, int month) {
  const auto& before = running["policies"]["events"].items();
  const auto& after = next["policies"]["events"].items();
  const std::string& start = running["start"].as_string();
  const auto closure = [](const sim::Value& e) { return e["kind"].as_string() == "closure"; };
  const char* why = "its plant opened with the run's initial state; change it in the scenario and run from the start";
  // The running state counts the events: one added or removed was refused
  // later, as a checkpoint that "does not match the configuration's ...
  // events", naming neither the event nor the rule (a review).
  if (after.size() != before.size()) {
    const auto names_of = [](const std::vector<sim::Value>& events) {
      std::vector<std::string> names;
      for (const auto& e : events) names.push_back(e["name"].as_string());
      return names;
    };
    const auto had = names_of(before), has = names_of(after);
    std::vector<std::string> added, removed;
    for (const auto& name : has)
      if (std::find(had.begin(), had.end(), name) == had.end()) added.push_back(name);
    for (const auto& name : had)
      if (std::find(has.begin(), has.end(), name) == has.end()) removed.push_back(name);
    std::string what;
    if (!added.empty()) what += fmt::format("adds the event{} {}", added.size() > 1 ? "s" : "", fmt::join(added, ", "));
    if (!removed.empty())
      what += fmt::format("{}removes the event{} {}", what.empty() ? "" : " and ", removed.size() > 1 ? "s" : "",
                          fmt::join(removed, ", "));
    if (what.empty()) what = fmt::format("has {} events where the run has {}", after.size(), before.size());
    return fmt::format("it {} (policies.events): the events of a run are fixed in number from its start; change "
                       "them in the scenario and run from the start",
                       what);
  }
  for (std::size_t i = 0; i < before.size(); ++i) {
    const std::string path = fmt::format("policies.events[{}]", i);
    const std::string& name = before[i]["name"].as_string();
    const int was = months_between(start, before[i]["month"].as_string());
    const int is = months_between(start, after[i]["month"].as_string());
    if (closure(before[i])) {
      // Another event in its place (one inserted before it, or the list
      // reordered): the plant would close at that event's month.
      if (after[i]["name"].as_string() != name)
        return fmt::format("it puts the event {} at {}, the place of the closure {}: a closure's plant knows its "
                           "event by its place in the list, so events are neither inserted before a closure nor "
                           "reordered; change them in the scenario and run from the start",
                           after[i]["name"].as_string(), path, name);
      for (const char* field : {"kind", "zone", "sector", "jobs"})
        if (after[i][field].to_json() != before[i][field].to_json())
          return fmt::format("it changes {}.{} (the closure {}): {}", path, field, name, why);
      if (was != is && (was < month || is < month))
        return fmt::format("it changes {}.month (the closure {}) from {} to {}, {}: only a closure still to come "
                           "moves, to a month still to come", path, name, before[i]["month"].as_string(),
                           after[i]["month"].as_string(), was < month ? "a closure that has happened" : "a month gone");
      continue;
    }
    // An arrival opens its plant in its month: one that has happened is
    // done (moved to a month to come, it opened a second plant; a review),
    // and one moved to a month gone would never happen.
    if (was < month && (after[i].to_json() != before[i].to_json()))
      return fmt::format("it changes {} (the arrival {}, in {}), which has happened: its plant opened then; change it "
                         "in the scenario and run from the start", path, name, before[i]["month"].as_string());
    if (was >= month && is < month && !closure(after[i]))
      return fmt::format("it changes {}.month (the arrival {}) from {} to {}, a month gone: the plant would never "
                         "open; only a month still to come", path, name, before[i]["month"].as_string(),
                         after[i]["month"].as_string());
  }
  for (std::size_t i = 0; i < after.size(); ++i)
    if (closure(after[i]) && !closure(before[i]))
      return fmt::format("it makes policies.events[{}], {}, a closure: a closure's plant opens with the run's initial "
                         "state; change it in the scenario and run from the start", i, after[i]["name"].as_string());
  return "";
}

const sim::ModelRegistration kRegistration{{
    "territory",
    "the territorial model: workers, firms, investors, clusters and policies of a territory",
    72,
    declare_parameters,
    [](const sim::Value& config) { return std::make_unique<TerritoryModel>(Params::from_config(config)); },
    {"firms.count", "firms.size_sigma", "firms.initial_vacancy_rate", "commuting.in_commuters",
     "commuting.outside_job_seekers", "commuting.out_commuter_share", "workers.initial_duration_mean_months",
     "skills[].unemployment_rate"},
    {"scale"},
    events_problem,
    {"zones", "skills", "sectors", "policies"},
}};
}  // namespace

}  // namespace terrasim::models::territory
