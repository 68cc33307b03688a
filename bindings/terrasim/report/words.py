"""The words of a forecast report, in French and English.

Texts with ``{name}`` fields are filled with numbers already formatted for
the language (terrasim.report.locale). A key missing from one language is a
bug: the tests compare the two dictionaries' keys.
"""
from __future__ import annotations

from typing import Dict

from .locale import french_spaces

FR: Dict[str, str] = {
    # charts
    # bands: what a band holds, for the number of runs at hand (analysis.band_trim)
    "band_all": "les {n} simulations",
    "band_middle": "les {m} simulations centrales sur {n}",
    "band_one": "l'unique simulation",
    "band_fewer_months": "(certains mois, parmi les simulations ayant une valeur : {band})",
    "band_fewer_months_of": "({scenarios}, certains mois, parmi les simulations ayant une valeur : {band})",
    "band_fewer_bar": "Une barre porte sur moins de simulations, celles sans valeur pour l'un des mois qu'elle "
                      "additionne étant écartées : sa fourchette contient {band} ; le tableau donne ses simulations.",
    "band_fewer_bar_of": "Une barre ({scenarios}) porte sur moins de simulations, celles sans valeur pour l'un "
                         "des mois qu'elle additionne étant écartées : sa fourchette contient {band} ; le tableau "
                         "donne ses simulations.",
    "bars_none": "Une barre dont aucune simulation n'a de valeur pour chacun des mois qu'elle additionne "
                 "n'est pas tracée.",
    "runs_none": "(aucune simulation n'a de valeur ce mois-là)",
    "runs_none_total": "(aucune simulation n'a de valeur pour chacun de ses mois)",
    "band_fewer_bars": "Certaines barres portent sur moins de simulations, celles sans valeur pour l'un des mois "
                       "qu'elles additionnent étant écartées : la fourchette de la moins fournie contient {band} ; "
                       "le tableau donne les simulations de chaque barre.",
    "band_fewer_bars_of": "Certaines barres ({scenarios}) portent sur moins de simulations, celles sans valeur "
                          "pour l'un des mois qu'elles additionnent étant écartées : la fourchette de la moins "
                          "fournie contient {band} ; le tableau donne les simulations de chaque barre.",
    "bands_one": "la bande contenant {outer}",
    "bands_two": "des bandes contenant {inner} et {outer}",
    "median": "médiane",
    "national_rate": "taux national (France métropolitaine)",
    "target_line": "objectif",
    "target_date": "date de l'objectif",
    "level_line": "niveau de {level}",
    "unemployment_rate": "taux de chômage",
    "no_target_chart": "Aucun scénario n'énonce d'objectif.",
    "probability_axis": "part des simulations qui remplissent le critère",
    "no_cluster": "Aucun scénario n'ouvre de cluster.",
    "capacity": "capacité du site",
    "jobs": "emplois",
    "creations_reference": "{count} créations en {year}",
    "creations_reference_scaled": "{count} créations en {year} ({scaled} à l'échelle {scale})",
    "creations_per_year": "créations d'entreprises par an",
    "investment_axis": "investissement réalisé sur la période, fonds partenaires compris (M€)",
    "diff_unemployment_title": "Écart de taux de chômage (points)",
    "diff_jobs_title": "Écart d'emplois situés dans le territoire",
    "ci95_mean": "intervalle à 95 % de l'écart moyen",
    "quarter_mean": "moyenne du {span}",
    # headings
    "report_title": "Prévision : {labels}",
    "subtitle": "{n} simulations appariées par scénario, de {start} à {end}. Référence : {reference}.",
    "scaled": "Simulation réduite, à l'échelle {scale} : effectifs, budgets et emplois y sont {scale} fois ceux du "
              "territoire.",
    "h_summary": "En bref",
    "h_levers": "Les leviers de chaque scénario",
    "h_unemployment": "Le chômage",
    "h_target": "L'objectif",
    "h_activity": "Emplois, entreprises, investissement",
    "h_clusters": "Emplois dans les clusters",
    "h_creations": "Créations d'entreprises",
    "h_investment": "Investissement réalisé, par type d'investisseur",
    "h_differences": "Ce que change chaque scénario, et à quel coût",
    "h_cost": "Coût public par emploi de plus, par chômeur de moins",
    "h_methods": "Méthode",
    "h_files": "Scénarios, fichiers et empreintes",
    # table headers
    "col_scenario": "Scénario",
    "col_month": "Mois",
    "col_median": "Médiane",
    "col_range": "Fourchette ({band})",
    "col_national": "Taux national",
    "col_criterion": "Critère",
    "col_when": "Moment",
    "col_probability": "Probabilité",
    "col_ci95": "Intervalle à 95 %",
    "col_reached": "Simulations qui l'atteignent",
    "col_cluster": "Cluster",
    "col_opening": "Ouverture",
    "col_capacity": "Capacité",
    "col_year": "Année",
    "col_mean": "Moyenne",
    "col_vs_reference": "Moyenne par rapport à {year}",
    "col_investor": "Investisseur",
    "col_quantity": "Grandeur",
    "col_mean_difference": "Écart moyen",
    "col_measure": "Mesure",
    "col_spending": "Dépense publique supplémentaire",
    "col_jobs_difference": "Écart (emplois, chômeurs de moins ou emplois-années)",
    "col_range_differences": "Écart simulation par simulation ({band})",
    "col_cost": "Coût",
    "col_lever": "Levier",
    "col_name": "Nom",
    "col_window": "Période prévue",
    "col_budget": "Budget (plafond)",
    "portal_cash_uncounted": "L'apport en trésorerie du portail ({months} mois de masse salariale pour chaque "
                             "entreprise qu'il accompagne) va dans les réserves de ces entreprises et n'est pas "
                             "compté dans la dépense ci-dessus, sauf dans la ligne qui le dit : le modèle le traite "
                             "comme un capital de départ que le portail aide les créateurs à réunir, non comme de "
                             "l'argent public (une hypothèse).",
    "levers_spent": "Les budgets sont des plafonds, et la période prévue n'est pas toujours celle où le levier a agi "
                    ": un budget épuisé arrête sa politique. Les deux colonnes suivantes disent ce que les politiques "
                    "ont réellement dépensé jusqu'en {month} et quand, dans les simulations : la médiane, et « "
                    "simulations » : {band} ; pour les mois, celui de la simulation médiane, puis la fourchette du "
                    "dernier mois de dépense. Le coût par emploi utilise ces dépenses, en comptant les fonds "
                    "partenaires quand ils sont versés aux investisseurs.",
    "col_spent": "Dépensé jusqu'en {month}",
    "col_spending_months": "Mois de dépense, dans les simulations",
    "last_spending": "dernière : {low} à {high}",
    "runs_spending": "{k} simulations sur {n}",
    "no_spending": "aucune dépense",
    "levers_not_recorded": "Ces simulations n'enregistrent pas la dépense de chaque levier : le tableau montre les "
                           "leviers tels que prévus, pas tels qu'ils ont dépensé.",
    "col_size": "Ampleur",
    "col_unemployment_at": "Chômage médian, {month}",
    "col_p_target": "Probabilité : objectif énoncé",
    "col_p_level": "Probabilité : niveau de {level}",
    "col_jobs_vs_ref": "Emplois en plus, {month}",
    "col_cost_net_job": "Coût par emploi de plus dans le territoire",
    "col_role": "Rôle",
    "col_file": "Fichier",
    "col_file_sha": "SHA-256 du fichier",
    "col_config_sha": "SHA-256 de la configuration",
    "col_runs": "Simulations dans la base",
    "role_scenario": "scénario",
    "role_extends": "étendu par le précédent",
    "reference_suffix": " (référence)",
    # values
    "no_lever": "aucune politique, aucun cluster",
    "window": "{start} à {end}",
    "places_per_year": "{n} places par an",
    "capacity_jobs": "capacité d'accueil : {n} emplois",
    "event_jobs": "{n} emplois",
    "measure_net_job": "par emploi de plus situé dans le territoire (tenu par un habitant ou un navetteur venu "
                       "d'ailleurs) en {month}",
    "measure_net_job_with_portal_cash": "par emploi de plus dans le territoire en {month}, en comptant l'apport en "
                                        "trésorerie du portail ({amount} de plus que la référence)",
    "measure_net_job_with_portal_cash_less": "par emploi de plus dans le territoire en {month}, en comptant "
                                             "l'apport en trésorerie du portail ({amount} de moins que la référence)",
    "measure_job_year": "par emploi-année de plus dans le territoire sur {start}-{end}",
    "status_jobs_interval_includes_zero": "l'intervalle de l'écart d'emplois contient 0",
    "status_fewer_jobs": "le scénario compte moins d'emplois que la référence",
    "status_too_few_runs": "une seule simulation ne donne pas d'intervalle",
    "quantity_jobs_in_territory": "emplois situés dans le territoire",
    "quantity_unemployment_rate": "taux de chômage",
    "quantity_unemployment_rate_with_trainees": "taux de chômage, stagiaires comptés comme demandeurs d'emploi",
    "quantity_in_training": "stagiaires en formation",
    "reading_target": "objectif énoncé",
    "reading_level": "niveau fixe",
    "moment_month": "valeur du mois",
    "moment_quarter": "moyenne du trimestre",
    "no_target_stated": "{scenario} n'énonce pas d'objectif : pas de probabilité à calculer.",
    "target_out_of_range": "L'objectif de {scenario} porte sur {date}, hors de la période simulée ({first} à {last}) "
                           ": il n'est pas évalué.",
    "partial_years": "Années incomplètes, non comptées dans les créations par an : {years}.",
    "no_cluster_table": "Aucun scénario n'ouvre de cluster.",
    "unknown": "–",
    "is_reference": "référence",
    "stated_item": "{label} : {criterion}, {month}",
    "key_intervals": "Entre crochets : l'intervalle à 95 % du chiffre (sa précision). « Simulations » : la fourchette "
                     "des simulations elles-mêmes ({band}).",
    "key_zero_mark": "† L'intervalle contient 0 : l'écart ne se distingue pas du hasard des simulations.",
    "key_no_target": "pas d'objectif énoncé",
    "key_target_out_of_range": "non évaluée : le mois de l'objectif n'est pas simulé",
    "key_no_interval": "pas d'intervalle (une seule paire de simulations) : l'écart ne se distingue pas du hasard",
    "key_targets": "Chaque probabilité porte sur l'objectif de son scénario : {items}.",
    "negative_cost": "Un coût négatif est une économie : le scénario dépense moins d'argent public que la "
                     "référence, pour plus d'emplois.",
    # lever kinds
    "lever_cluster": "cluster",
    "model_territory": "territoire",
    "lever_portal": "portail de création d'entreprises",
    "lever_entrepreneur_support": "soutien aux créateurs",
    "lever_training": "formation",
    "lever_hiring_subsidy": "aide à l'embauche",
    "lever_creation_subsidy": "aide à la création",
    "lever_establishment_grant": "aide à l'implantation",
    "lever_marketing": "marketing territorial",
    "lever_partner_funds": "fonds partenaire",
    "lever_event_closure": "fermeture d'établissement",
    "lever_event_arrival": "arrivée d'établissement",
    # series, sectors, investors
    "series_national_unemployment_rate": "taux national",
    "series_unemployment_rate": "taux de chômage",
    "sector_digital": "numérique",
    "sector_health_tech": "technologies de la santé",
    "sector_energy_storage": "stockage de l'énergie",
    "sector_industry": "industrie",
    "sector_business_services": "services aux entreprises",
    "sector_trade": "commerce",
    "kind_angel": "investisseurs providentiels",
    "kind_public_fund": "fonds public",
    "kind_venture_capital": "capital-risque",
    "kind_outside_company": "entreprises extérieures",
    "investor_business_angels": "business angels",
    "investor_region": "Région",
    "investor_caisse_des_depots": "Caisse des dépôts",
    "investor_venture_capital": "capital-risque",
    "investor_outside_companies": "entreprises extérieures",
    # captions
    "cap_unemployment": "Taux de chômage simulé de chaque scénario : médiane des simulations et {bands} ; en tirets, "
                        "le taux national.",
    "cap_december": "Taux de chômage médian et fourchette contenant {band}, chaque mois de décembre et au mois de "
                    "l'objectif.",
    "cap_target": "Part des simulations qui atteignent l'objectif (point), avec son intervalle de confiance à 95 % "
                  "(trait ; Wilson) : l'incertitude due au nombre fini de simulations.",
    "cap_target_readings": "L'objectif est lu de deux façons : tel que chaque scénario l'énonce ({stated}) et par "
                           "rapport au niveau fixe de {level} ({level_source}) ; chacune pour la valeur du mois de "
                           "l'objectif et pour la moyenne des trois mois qui se terminent avec lui.",
    "cap_target_stated_only": "L'objectif tel que chaque scénario l'énonce ({stated}), pour la valeur du mois de "
                              "l'objectif et pour la moyenne des trois mois qui se terminent avec lui.",
    "cap_clusters": "Emplois des entreprises de chaque cluster ouvert : médiane et fourchette contenant {band} ; en "
                    "tirets, la capacité du site. Tableau : au dernier mois simulé.",
    "cap_creations": "Créations d'entreprises par année civile complète : médiane et fourchette contenant {band}.",
    "cap_creations_reference": "Repère : {reference} ({source}).",
    "cap_investment": "Investissement réalisé sur toute la période par chaque type d'investisseur, fonds partenaires "
                      "du scénario compris : médiane et fourchette contenant {band}.",
    "col_partner_funds": "Fonds partenaires versés à son enveloppe (médiane)",
    "partner_funds_note": "{label} : ces montants comprennent ce que ces investisseurs ont investi des fonds "
                          "partenaires du scénario, versés dans leur enveloppe jusqu'en {month} ({items} : médianes "
                          "des simulations) ; c'est de l'argent public, déjà compté dans la dépense du scénario : ne "
                          "pas l'ajouter à la dépense publique, ni le compter comme de l'investissement venu "
                          "d'ailleurs.",
    "partner_funds_note_unrecorded": "{label} : ces montants comprennent ce que ces investisseurs ont investi des "
                                     "fonds partenaires du scénario, versés dans leur enveloppe ({items} ; ces "
                                     "simulations n'enregistrent pas les montants versés) ; c'est de l'argent public, "
                                     "déjà compté dans la dépense du scénario : ne pas l'ajouter à la dépense "
                                     "publique, ni le compter comme de l'investissement venu d'ailleurs.",
    "fund_to": "{fund} → {investor}",
    "fund_to_paid": "{fund} → {investor}, {paid}",
    "cap_differences": "Écart apparié (scénario moins référence, simulation par simulation, même graine) : sa "
                       "moyenne, avec l'intervalle à 95 % de cette moyenne (Student : sa précision, qui se resserre "
                       "quand on ajoute des simulations), et la fourchette des écarts eux-mêmes ({band}), qui dit "
                       "l'écart d'une simulation à l'autre.",
    "cap_cost": "Dépense publique des politiques du scénario jusqu'en {end}, moins celle de la référence, divisée par "
                "l'écart d'emplois situés dans le territoire en {end}, ou par l'écart cumulé en emplois-années de "
                "{start} à {end}. Coût : dépense moyenne divisée par l'écart moyen, avec l'intervalle à 95 % de "
                "Fieller (sa précision, qui se resserre quand on ajoute des simulations) ; puis le coût de chaque "
                "simulation, sa dépense divisée par son propre écart ({band}). Le coût n'est pas défini quand "
                "l'intervalle de l'écart d'emplois contient 0.",
    # methods
    "m_runs": "Chaque scénario a été simulé {n} fois (répliques 0 à {last}, graines {seed0} à {seed1}). La réplique r "
              "de chaque scénario utilise la même graine (nombres aléatoires communs) : les écarts que le hasard "
              "seul produirait entre scénarios en sont réduits, pas supprimés ; les intervalles des écarts montrent "
              "la part que le hasard y laisse.",
    "m_model": "Modèle : terrasim {version}, modèle {model}. {where} La même commande avec la même graine redonne les "
               "mêmes nombres.",
    "m_db_here": "Les simulations sont conservées avec ce rapport, dans la base {db}.",
    "m_db_elsewhere": "Les simulations ont été lues dans la base {db}.",
    "m_bands": "Ce que contiennent les bandes, les fourchettes et les intervalles. Les bandes et les fourchettes « "
               "simulation par simulation » : la variabilité aléatoire du modèle pour des paramètres fixés, l'écart "
               "d'une simulation à l'autre. Les intervalles à 95 % des écarts moyens, des coûts et des probabilités : "
               "la précision de ces chiffres calculés sur {n} simulations, qui se resserre quand on en ajoute (comme "
               "1/√n) ; ils ne disent pas l'écart d'une simulation à l'autre. Ni les unes ni les autres ne "
               "comprennent l'incertitude sur les paramètres eux-mêmes. Plusieurs paramètres sont des hypothèses "
               "(voir la documentation des scénarios) : l'incertitude réelle est plus grande que celle montrée ici.",
    "m_stats": "Médianes : des simulations. Fourchettes : de la plus basse à la plus haute valeur parmi {ranges}. "
               "Probabilités : part des simulations, intervalle de Wilson à 95 %. Écarts : moyenne des écarts "
               "appariés, intervalle de Student à 95 %. Coûts : rapport des moyennes, intervalle de Fieller à 95 %. "
               "Écarts de probabilité avec la référence : différence de deux proportions appariées (la "
               "simulation r de chaque scénario a la même graine), sur le tableau 2 × 2 des paires (les deux "
               "l'atteignent, l'une seulement, aucune), intervalle à 95 % de score hybride de Newcombe pour "
               "données appariées (Newcombe 1998, méthode 10 : les deux intervalles de Wilson et la "
               "corrélation phi des paires).",
    "m_ranges_two": "{outer} (pour la bande foncée du graphique du chômage : parmi {inner})",
    "m_scale": "Échelle {scale} : effectifs, créations et budgets sont multipliés par {scale} (simulation réduite).",
    "m_calibrated": "Le niveau du chômage simulé, et donc les probabilités d'atteindre l'objectif et le niveau fixe, "
                    "repose en partie sur un paramètre choisi, non mesuré : {label} ({parameter}), {value} dans "
                    "ces simulations, {how}. Pour voir comment les probabilités changent avec lui, relancer les "
                    "simulations sur une grille de ses valeurs ({values}), puis lire la probabilité de chaque point "
                    "de la grille (--point 1 à {k}, dans l'ordre des valeurs) :",
    "m_reproduce": "Pour refaire ce rapport :",
    "m_outside": "Chiffres extérieurs au modèle : {items}.",
    "m_level_item": "niveau de {level} ({source})",
    "m_creations_item": "{count} créations en {year} ({source})",
    "m_files": "Fichiers joints : {pdf}chaque graphique en SVG et PNG (dossier charts), chaque tableau en CSV "
               "(dossier tables).",
    "m_files_pdf": "le rapport en PDF, ",
    # summary
    "s_overview": "{n} simulations appariées de chaque scénario, de {start} à {end}, comparées à la référence : "
                  "{reference}.",
    "s_unemployment": "Chômage médian en {month} : {values}.",
    "s_unemployment_item": "{label}, {value} ({band} entre {low} et {high})",
    "s_national": "Le taux national en {month}, celui du scénario (France métropolitaine), est de {value}.",
    "s_national_each": "Le taux national en {month}, celui de chaque scénario (France métropolitaine) : {values}.",
    "s_national_item": "{label}, {value}",
    "s_target": "Probabilité d'atteindre l'objectif ({criterion}, {when}) dans le modèle, avec ses paramètres tels "
                "que calibrés : {values}.",
    "s_target_item": "{label}, {p} ({likelihood} ; {ci})",
    "s_jobs_up": "{label} : {diff} emplois de plus que la référence dans le territoire en {month} {ci} ({spread}) ; "
                 "{unemployment}.",
    "s_jobs_down": "{label} : moins d'emplois situés dans le territoire que la référence en {month} : {diff} {ci} "
                   "({spread}) ; {unemployment}.",
    "s_jobs_none": "{label} : en {month}, l'écart d'emplois avec la référence ne se distingue pas du hasard des "
                   "simulations : {diff} {ci} ({spread}) ; {unemployment}.",
    "s_unemployment_diff": "écart de chômage en {month} : {udiff} {uci} ({spread})",
    "s_trainees": "{label} : en comptant comme demandeurs d'emploi les stagiaires en formation ({trainees} de plus "
                  "que la référence en {month}), {unemployment}.",
    "s_level": "Probabilité que le chômage soit {criterion} ({when}) dans le modèle, avec ses paramètres tels que "
               "calibrés : {values}.",
    "s_pdiff": "{label} : écart de probabilité avec la référence, sur {n} paires de même graine : {items}.",
    "s_pdiff_target": "d'atteindre l'objectif ({criterion}, {when}), {diff} {ci}{chance} ({pairs})",
    "s_pdiff_level": "d'être {criterion} ({when}), {diff} {ci}{chance} ({pairs})",
    "s_pdiff_pairs": "paires où un seul l'atteint : {first} pour ce scénario, {second} pour la référence",
    "s_pdiff_no_discordant": "aucune paire ne l'atteint d'un côté seulement",
    "s_pdiff_chance": ", ne se distingue pas du hasard",
    "s_pdiff_without": " ; simulations sans valeur ce mois-là, comptées comme ne l'atteignant pas : {k}",
    "s_pdiff_differ": "{what} : pas d'écart calculé, ce scénario et la référence ne lisent pas l'objectif de la même "
                      "façon (critère ou mois)",
    "s_pdiff_what_target": "d'atteindre l'objectif",
    "s_pdiff_what_level": "d'être {criterion}",
    "key_pdiff": "écart avec la référence : {diff} {ci}",
    "h_pdiff": "Écart de probabilité avec la référence, paire par paire",
    "cap_pdiff": "Pour chaque scénario et chaque lecture de l'objectif, au mois de l'objectif : l'écart de "
                 "probabilité avec la référence (scénario moins référence), calculé sur les paires de simulations "
                 "de même graine, avec son intervalle à 95 % (méthode 10 de Newcombe, 1998). Une simulation sans "
                 "valeur ce mois-là ne l'atteint pas.",
    "col_pdiff": "Écart (points)",
    "col_pdiff_pairs": "Paires : les deux / ce scénario seul / la référence seule / aucun",
    "s_unemployment_diff_none": "en {month}, l'écart de chômage ne se distingue pas du hasard des simulations : "
                                "{udiff} {uci} ({spread})",
    "s_cost": "{label} : dépense publique supplémentaire jusqu'en {month} : {spending}. Coût par emploi de plus situé "
              "dans le territoire (tenu par un habitant ou un navetteur) : {cost_net}.",
    "s_portal_cash": "{label} : ces coûts ne comptent pas l'apport en trésorerie du portail ({amount} de plus que la "
                     "référence jusqu'en {month}, traité comme un capital de départ : une hypothèse) ; compté, le "
                     "coût par emploi de plus dans le territoire serait de {cost}.",
    "s_portal_cash_only": "{label} : ces coûts ne comptent pas l'apport en trésorerie du portail ({amount} de plus "
                          "que la référence jusqu'en {month}, traité comme un capital de départ : une hypothèse).",
    "s_portal_cash_less": "{label} : ces coûts ne comptent pas l'apport en trésorerie du portail ({amount} de moins "
                          "que la référence jusqu'en {month}, traité comme un capital de départ : une hypothèse) ; "
                          "compté, le coût par emploi de plus dans le territoire serait de {cost}.",
    "s_portal_cash_only_less": "{label} : ces coûts ne comptent pas l'apport en trésorerie du portail ({amount} de "
                               "moins que la référence jusqu'en {month}, traité comme un capital de départ : une "
                               "hypothèse).",
    "s_spending_less": "{value} de moins que la référence",
    "s_cost_undefined": "non défini ({why})",
    "s_cost_saving": "une économie de {value} {ci} ({spread}) : le scénario dépense moins que la référence et compte "
                     "plus d'emplois",
    "s_cost_either": "{value} (intervalle à 95 % : d'une économie de {saving} à un coût de {cost}, l'écart de dépense "
                     "ne se distingue pas de 0 ; {spread})",
    "saving_of": "une économie de {value}",
    "s_caveat": "Ni les fourchettes ni les intervalles ne comprennent l'incertitude sur les paramètres du modèle : "
                "tous sont calculés à paramètres fixés, et la réalité peut s'écarter davantage.",
    "spread_open": "simulations : {low} ou plus, {k} sur {n} sans gain",
    "runs_fewer": "({band} ; {k} sans valeur ce mois-là)",
    "runs_fewer_total": "({band} ; {k} avec au moins un mois sans valeur)",
    "runs_unranked": "sans éventail : certaines simulations ne dépensent pas plus que la référence",
    "spread_unranked": "pas d'éventail des coûts par simulation : certaines ne dépensent pas plus que la "
                       "référence, et l'argent par emploi ne les classe plus",
    "col_ci95_mean": "Intervalle à 95 % de la moyenne",
    "col_cost_runs": "Coût simulation par simulation ({band})",
    "key_runs": "simulations : {low} à {high}",
    "s_unemployment_trainees": "Le même mois, en comptant comme demandeurs d'emploi les stagiaires en formation (hors "
                               "de la population active) : {values}.",
    "s_unemployment_effect": "{label} : {unemployment}.",
    "s_trainees_share": "Les stagiaires font {share} {ci} de l'écart officiel de {month}.",
    "h_trainees": "Ce que l'écart de chômage doit aux stagiaires",
    "cap_trainees": "Les stagiaires en formation sont hors de la population active (la règle du BIT) : un scénario "
                    "qui forme baisse le taux de chômage officiel de ses seuls stagiaires, le temps de leur "
                    "formation. Écart de taux officiel, écart en comptant les stagiaires comme demandeurs d'emploi "
                    "((chômeurs + stagiaires) / (population active + stagiaires)), et la part du premier qui "
                    "disparaît dans le second : écart moyen des deux lectures divisé par l'écart officiel moyen, avec "
                    "l'intervalle à 95 % de Fieller.",
    "col_trainees_more": "Stagiaires de plus",
    "col_official": "Écart officiel",
    "col_with_trainees": "Écart, stagiaires comptés",
    "col_share_trainees": "Part due aux stagiaires",
    "col_median_with_trainees": "Médiane, stagiaires comptés",
    "status_official_interval_includes_zero": "l'intervalle de l'écart officiel contient 0",
    "key_with_trainees": "stagiaires comptés : {value}",
    "diff_with_trainees_title": "Écart de taux de chômage, stagiaires comptés comme demandeurs d'emploi (points)",
    "s_conventions": "Intervalles à 95 % (entre crochets pour les écarts et les coûts) : la précision que donnent les "
                     "{n} simulations, qui se resserre quand on en ajoute ; ils ne disent pas ce que donnerait une "
                     "simulation de plus. Écarts et coûts : moyenne des {n} paires, son intervalle, puis « "
                     "simulations : » la fourchette des simulations elles-mêmes ({band}), l'écart d'une simulation à "
                     "l'autre.",
    "measure_resident_job": "par emploi de plus tenu par un habitant (dans le territoire ou dehors) en {month}",
    "measure_fewer_unemployed": "par chômeur de moins parmi les habitants en {month}",
    "status_jobs_interval_includes_zero_resident_job": "l'intervalle de l'écart d'emplois tenus par des habitants "
                                                       "contient 0",
    "status_fewer_jobs_resident_job": "le scénario compte moins d'emplois tenus par des habitants que la référence",
    "status_jobs_interval_includes_zero_fewer_unemployed": "l'intervalle de l'écart de chômeurs contient 0",
    "status_fewer_jobs_fewer_unemployed": "le scénario compte plus de chômeurs que la référence",
    "s_cost_residents": "{label} : ces emplois ne vont pas tous aux habitants, et ne retirent pas tous un chômeur. En "
                        "{month} : {resident_jobs} emplois tenus par des habitants {resident_ci}, {unemployed} "
                        "chômeurs parmi eux {unemployed_ci}, {labour} actifs {labour_ci}. Coût par emploi de plus "
                        "tenu par un habitant : {cost_resident} ; par chômeur de moins : {cost_unemployed}.",
    "quantity_jobs_held_by_residents": "emplois tenus par des habitants (dans le territoire ou dehors)",
    "quantity_unemployed": "chômeurs parmi les habitants",
    "quantity_labour_force": "population active (habitants en emploi ou au chômage)",
    "s_trainees_share_first": "Les stagiaires font {share} {ci} de l'écart officiel de {month} : la part qui "
                              "disparaît quand on les compte comme demandeurs d'emploi.",
    "range": "{low} à {high}",
    "ci": "intervalle à 95 % : {low} à {high}",
    "likelihood_0": "exceptionnellement improbable",
    "likelihood_1": "très improbable",
    "likelihood_2": "improbable",
    "likelihood_3": "aussi probable qu'improbable",
    "likelihood_4": "probable",
    "likelihood_5": "très probable",
    "likelihood_6": "quasi certain",
    "likelihood_undecided": "trop peu de simulations pour conclure",
    "likelihood_boundary": "proche de la limite entre « {below} » et « {above} »",
    "pdf_missing": "Chromium introuvable : pas de PDF (installez le paquet chromium).",
}

EN: Dict[str, str] = {
    "band_all": "all {n} runs",
    "band_middle": "the middle {m} of the {n} runs",
    "band_one": "the single run",
    "band_fewer_months": "(in some months, of the runs with a value: {band})",
    "band_fewer_months_of": "({scenarios}, in some months, of the runs with a value: {band})",
    "band_fewer_bar": "One bar counts fewer runs, a run without a value in one of the months it adds up being "
                      "left out: its range holds {band}; the table gives its runs.",
    "band_fewer_bar_of": "One bar ({scenarios}) counts fewer runs, a run without a value in one of the months "
                         "it adds up being left out: its range holds {band}; the table gives its runs.",
    "bars_none": "A bar for which no run has a value in every month it adds up is not drawn.",
    "runs_none": "(no run with a value that month)",
    "runs_none_total": "(no run with a value in every one of its months)",
    "band_fewer_bars": "Some bars count fewer runs, a run without a value in one of the months they add up being "
                       "left out: the range of the fewest holds {band}; the table gives each bar's runs.",
    "band_fewer_bars_of": "Some bars ({scenarios}) count fewer runs, a run without a value in one of the months "
                          "they add up being left out: the range of the fewest holds {band}; the table gives "
                          "each bar's runs.",
    "bands_one": "the band holding {outer}",
    "bands_two": "bands holding {inner} and {outer}",
    "median": "median",
    "national_rate": "national rate (metropolitan France)",
    "target_line": "target",
    "target_date": "target date",
    "level_line": "level of {level}",
    "unemployment_rate": "unemployment rate",
    "no_target_chart": "No scenario states a target.",
    "probability_axis": "share of runs meeting the criterion",
    "no_cluster": "No scenario opens a cluster.",
    "capacity": "site capacity",
    "jobs": "jobs",
    "creations_reference": "{count} creations in {year}",
    "creations_reference_scaled": "{count} creations in {year} ({scaled} at scale {scale})",
    "creations_per_year": "firm creations per year",
    "investment_axis": "investment made over the period, partner funds included (EUR million)",
    "diff_unemployment_title": "Difference in unemployment rate (points)",
    "diff_jobs_title": "Difference in jobs located in the territory",
    "ci95_mean": "95% interval of the mean difference",
    "quarter_mean": "mean of the {span}",
    "report_title": "Forecast: {labels}",
    "subtitle": "{n} paired runs per scenario, {start} to {end}. Reference: {reference}.",
    "scaled": "A reduced simulation, at scale {scale}: its population, budgets and jobs are {scale} times the "
              "territory's.",
    "h_summary": "In short",
    "h_levers": "Each scenario's levers",
    "h_unemployment": "Unemployment",
    "h_target": "The target",
    "h_activity": "Jobs, firms, investment",
    "h_clusters": "Jobs in the clusters",
    "h_creations": "Firm creations",
    "h_investment": "Investment made, by type of investor",
    "h_differences": "What each scenario changes, and at what cost",
    "h_cost": "Public cost per extra job, per unemployed fewer",
    "h_methods": "Methods",
    "h_files": "Scenarios, files and hashes",
    "col_scenario": "Scenario",
    "col_month": "Month",
    "col_median": "Median",
    "col_range": "Range ({band})",
    "col_national": "National rate",
    "col_criterion": "Criterion",
    "col_when": "When",
    "col_probability": "Probability",
    "col_ci95": "95% interval",
    "col_reached": "Runs that reach it",
    "col_cluster": "Cluster",
    "col_opening": "Opening",
    "col_capacity": "Capacity",
    "col_year": "Year",
    "col_mean": "Mean",
    "col_vs_reference": "Mean against {year}",
    "col_investor": "Investor",
    "col_quantity": "Quantity",
    "col_mean_difference": "Mean difference",
    "col_measure": "Measure",
    "col_spending": "Extra public spending",
    "col_jobs_difference": "Difference (jobs, unemployed fewer or job-years)",
    "col_range_differences": "Difference run by run ({band})",
    "col_cost": "Cost",
    "col_lever": "Lever",
    "col_name": "Name",
    "col_window": "Planned period",
    "col_budget": "Budget (ceiling)",
    "portal_cash_uncounted": "The portal's supported cash ({months} months of wage bill for each firm it supports) "
                             "goes into those firms' reserves and is not counted in the spending above, but in the "
                             "row that says so: the model takes it as start-up capital the portal helps founders "
                             "raise, not as public money (an assumption).",
    "levers_spent": "The budgets are ceilings, and the planned period is not always when the lever acted: a policy "
                    "stops when its budget is spent. The next two columns say what the policies actually spent up to "
                    "{month} and when, in the runs: the median, and \"runs\": {band}; for the months, the median "
                    "run's, then the range of the last month of spending. The cost per job uses this spending, "
                    "including partner funds when they are moved into the investors' pots.",
    "col_spent": "Spent up to {month}",
    "col_spending_months": "Months of spending, in the runs",
    "last_spending": "last: {low} to {high}",
    "runs_spending": "{k} of the {n} runs",
    "no_spending": "no spending",
    "levers_not_recorded": "These runs do not record each lever's spending: the table shows the levers as planned, "
                           "not as they spent.",
    "col_size": "Size",
    "col_unemployment_at": "Median unemployment, {month}",
    "col_p_target": "Probability: stated target",
    "col_p_level": "Probability: level of {level}",
    "col_jobs_vs_ref": "Extra jobs, {month}",
    "col_cost_net_job": "Cost per extra job in the territory",
    "col_role": "Role",
    "col_file": "File",
    "col_file_sha": "File SHA-256",
    "col_config_sha": "Configuration SHA-256",
    "col_runs": "Runs in the database",
    "role_scenario": "scenario",
    "role_extends": "extended by the one above",
    "reference_suffix": " (reference)",
    "no_lever": "no policy, no cluster",
    "window": "{start} to {end}",
    "places_per_year": "{n} places a year",
    "capacity_jobs": "room for {n} jobs",
    "event_jobs": "{n} jobs",
    "measure_net_job": "per extra job located in the territory (held by a resident or an in-commuter) in {month}",
    "measure_net_job_with_portal_cash": "per extra job in the territory in {month}, counting the portal's supported "
                                        "cash ({amount} more than the reference)",
    "measure_net_job_with_portal_cash_less": "per extra job in the territory in {month}, counting the portal's "
                                             "supported cash ({amount} less than the reference)",
    "measure_job_year": "per extra job-year in the territory over {start}-{end}",
    "status_jobs_interval_includes_zero": "the interval of the jobs difference contains 0",
    "status_fewer_jobs": "the scenario has fewer jobs than the reference",
    "status_too_few_runs": "a single run gives no interval",
    "quantity_jobs_in_territory": "jobs located in the territory",
    "quantity_unemployment_rate": "unemployment rate",
    "quantity_unemployment_rate_with_trainees": "unemployment rate, trainees counted as job seekers",
    "quantity_in_training": "residents in training",
    "reading_target": "stated target",
    "reading_level": "fixed level",
    "moment_month": "value of the month",
    "moment_quarter": "mean of the quarter",
    "no_target_stated": "{scenario} states no target: there is no probability to compute.",
    "target_out_of_range": "The target of {scenario} is for {date}, outside the simulated period ({first} to {last}): "
                           "it is not evaluated.",
    "partial_years": "Incomplete years, left out of the creations per year: {years}.",
    "no_cluster_table": "No scenario opens a cluster.",
    "unknown": "–",
    "is_reference": "reference",
    "stated_item": "{label}: {criterion}, {month}",
    "key_intervals": "In brackets: the figure's 95% interval (its precision). \"Runs\": the range of the runs "
                     "themselves ({band}).",
    "key_zero_mark": "† The interval contains 0: the difference cannot be told from the runs' randomness.",
    "key_no_target": "no target stated",
    "key_target_out_of_range": "not evaluated: the target month is not simulated",
    "key_no_interval": "no interval (one pair of runs): the difference cannot be told from chance",
    "key_targets": "Each probability is for its scenario's own target: {items}.",
    "negative_cost": "A negative cost is a saving: the scenario spends less public money than the reference, for "
                     "more jobs.",
    "lever_cluster": "cluster",
    "model_territory": "territory",
    "lever_portal": "business-creation portal",
    "lever_entrepreneur_support": "support for entrepreneurs",
    "lever_training": "training",
    "lever_hiring_subsidy": "hiring subsidy",
    "lever_creation_subsidy": "creation subsidy",
    "lever_establishment_grant": "establishment grant",
    "lever_marketing": "territorial marketing",
    "lever_partner_funds": "partner fund",
    "lever_event_closure": "establishment closure",
    "lever_event_arrival": "establishment arrival",
    "series_national_unemployment_rate": "national rate",
    "series_unemployment_rate": "unemployment rate",
    "sector_digital": "digital",
    "sector_health_tech": "health technologies",
    "sector_energy_storage": "energy storage",
    "sector_industry": "industry",
    "sector_business_services": "business services",
    "sector_trade": "trade",
    "kind_angel": "business angels",
    "kind_public_fund": "public fund",
    "kind_venture_capital": "venture capital",
    "kind_outside_company": "outside companies",
    "investor_business_angels": "business angels",
    "investor_region": "Région",
    "investor_caisse_des_depots": "Caisse des dépôts",
    "investor_venture_capital": "venture capital",
    "investor_outside_companies": "outside companies",
    "cap_unemployment": "Simulated unemployment rate of each scenario: median of the runs and {bands}; dashed, the "
                        "national rate.",
    "cap_december": "Median unemployment rate and the range holding {band}, each December and in the target month.",
    "cap_target": "Share of the runs that reach the target (dot), with its 95% confidence interval (line; Wilson): "
                  "the uncertainty due to the finite number of runs.",
    "cap_target_readings": "The target is read two ways: as each scenario states it ({stated}) and against the fixed "
                           "level of {level} ({level_source}); each for the value of the target month and for the "
                           "mean of the three months ending with it.",
    "cap_target_stated_only": "The target as each scenario states it ({stated}), for the value of the target month "
                              "and for the mean of the three months ending with it.",
    "cap_clusters": "Jobs in the firms of each open cluster: median and the range holding {band}; dashed, the site's "
                    "capacity. Table: in the last simulated month.",
    "cap_creations": "Firm creations per full calendar year: median and the range holding {band}.",
    "cap_creations_reference": "For comparison: {reference} ({source}).",
    "cap_investment": "Investment made over the whole period by each type of investor, the scenario's partner funds "
                      "included: median and the range holding {band}.",
    "col_partner_funds": "Partner funds paid into its pot (median)",
    "partner_funds_note": "{label}: these amounts include what these investors invested of the scenario's partner "
                          "funds, paid into their pots up to {month} ({items}: medians of the runs); that is public "
                          "money, already counted in the scenario's spending: do not add it to the public spending, "
                          "nor count it as investment from elsewhere.",
    "partner_funds_note_unrecorded": "{label}: these amounts include what these investors invested of the scenario's "
                                     "partner funds, paid into their pots ({items}; these runs do not record the "
                                     "amounts paid); that is public money, already counted in the scenario's "
                                     "spending: do not add it to the public spending, nor count it as investment from "
                                     "elsewhere.",
    "fund_to": "{fund} → {investor}",
    "fund_to_paid": "{fund} → {investor}, {paid}",
    "cap_differences": "Paired difference (scenario minus reference, run by run, same seed): its mean, with the 95% "
                       "interval of that mean (Student: its precision, which narrows as runs are added), and the "
                       "range of the differences themselves ({band}), which says how much one run differs from "
                       "another.",
    "cap_cost": "Public spending of the scenario's policies up to {end}, minus the reference's, divided by the "
                "difference in jobs located in the territory in {end}, or by the cumulated difference in job-years "
                "from {start} to {end}. Cost: the mean spending divided by the mean difference, with Fieller's 95% "
                "interval (its precision, which narrows as runs are added); then each run's own cost, its spending "
                "divided by its own difference ({band}). The cost is not defined when the interval of the jobs "
                "difference contains 0.",
    "m_runs": "Each scenario was run {n} times (replicates 0 to {last}, seeds {seed0} to {seed1}). Replicate r of "
              "every scenario uses the same seed (common random numbers): this makes the differences that chance "
              "alone would make between scenarios smaller, it does not remove them; the intervals of the "
              "differences show what chance leaves.",
    "m_model": "Model: terrasim {version}, model {model}. {where} The same command with the same seed gives the same "
               "numbers again.",
    "m_db_here": "The runs are kept with this report, in the database {db}.",
    "m_db_elsewhere": "The runs were read from the database {db}.",
    "m_bands": "What the bands, ranges and intervals contain. The bands and the \"run by run\" ranges: the model's "
               "random variation for fixed parameters, how much one run differs from another. The 95% intervals of "
               "the mean differences, the costs and the probabilities: how precisely these figures are known from {n} "
               "runs, which narrows as runs are added (as 1/√n); they do not say how much one run differs from "
               "another. Neither includes the uncertainty of the parameters themselves. Several parameters are "
               "assumptions (see the scenarios' documentation): the real uncertainty is larger than shown here.",
    "m_stats": "Medians: of the runs. Ranges: from the lowest to the highest value among {ranges}. Probabilities: "
               "share of the runs, Wilson 95% interval. Differences: mean of the paired differences, Student 95% "
               "interval. Costs: ratio of means, Fieller 95% interval. Differences in probability from the "
               "reference: difference of two paired proportions (run r of every scenario has the same seed), "
               "from the 2 × 2 table of the pairs (both reach, one only, neither), Newcombe's hybrid score 95% "
               "interval for paired data (Newcombe 1998, method 10: the two Wilson intervals and the phi "
               "correlation of the pairs).",
    "m_ranges_two": "{outer} (for the darker band of the unemployment chart: among {inner})",
    "m_scale": "Scale {scale}: people, creations and budgets are multiplied by {scale} (a reduced simulation).",
    "m_calibrated": "The level of simulated unemployment, and so the probabilities of reaching the target and the "
                    "fixed level, rests in part on a parameter that was chosen, not measured: {label} ({parameter}), "
                    "{value} in these runs, {how}. To see how the probabilities move with it, run the simulations "
                    "again over a grid of its values ({values}), then read each grid point's probability (--point 1 "
                    "to {k}, in the order of the values):",
    "m_reproduce": "To make this report again:",
    "m_outside": "Figures from outside the model: {items}.",
    "m_level_item": "level of {level} ({source})",
    "m_creations_item": "{count} creations in {year} ({source})",
    "m_files": "Files alongside: {pdf}each chart as SVG and PNG (folder charts), each table as CSV (folder tables).",
    "m_files_pdf": "the report as PDF, ",
    "s_overview": "{n} paired runs of each scenario, {start} to {end}, compared with the reference: {reference}.",
    "s_unemployment": "Median unemployment in {month}: {values}.",
    "s_unemployment_item": "{label}, {value} ({band} between {low} and {high})",
    "s_national": "The national rate in {month}, the scenario's (metropolitan France), is {value}.",
    "s_national_each": "The national rate in {month}, each scenario's (metropolitan France): {values}.",
    "s_national_item": "{label}, {value}",
    "s_target": "Probability of reaching the target ({criterion}, {when}) in the model, with its parameters as "
                "calibrated: {values}.",
    "s_target_item": "{label}, {p} ({likelihood}; {ci})",
    "s_jobs_up": "{label}: {diff} more jobs located in the territory than the reference in {month} {ci} ({spread}); "
                 "{unemployment}.",
    "s_jobs_down": "{label}: fewer jobs located in the territory than the reference in {month}: {diff} {ci} "
                   "({spread}); {unemployment}.",
    "s_jobs_none": "{label}: in {month}, the difference in jobs from the reference cannot be told from the runs' "
                   "randomness: {diff} {ci} ({spread}); {unemployment}.",
    "s_unemployment_diff": "difference in unemployment in {month}: {udiff} {uci} ({spread})",
    "s_trainees": "{label}: counting the residents in training as job seekers ({trainees} more than the reference in "
                  "{month}), {unemployment}.",
    "s_level": "Probability that unemployment is {criterion} ({when}) in the model, with its parameters as "
               "calibrated: {values}.",
    "s_pdiff": "{label}: difference in probability from the reference, over {n} pairs of one seed: {items}.",
    "s_pdiff_target": "of reaching the target ({criterion}, {when}), {diff} {ci}{chance} ({pairs})",
    "s_pdiff_level": "of being {criterion} ({when}), {diff} {ci}{chance} ({pairs})",
    "s_pdiff_pairs": "pairs where one alone reaches it: {first} for this scenario, {second} for the reference",
    "s_pdiff_no_discordant": "no pair reaches it on one side only",
    "s_pdiff_chance": ", which cannot be told from the runs' randomness",
    "s_pdiff_without": "; runs without a value that month, counted as not reaching it: {k}",
    "s_pdiff_differ": "{what}: no difference computed, this scenario and the reference read the target otherwise "
                      "(criterion or month)",
    "s_pdiff_what_target": "of reaching the target",
    "s_pdiff_what_level": "of being {criterion}",
    "key_pdiff": "vs the reference: {diff} {ci}",
    "h_pdiff": "Difference in probability from the reference, pair by pair",
    "cap_pdiff": "For each scenario and each reading of the target, at the target month: the difference in "
                 "probability from the reference (scenario minus reference), from the pairs of runs with the same "
                 "seed, with its 95% interval (Newcombe's method 10, 1998). A run without a value that month does "
                 "not reach it.",
    "col_pdiff": "Difference (points)",
    "col_pdiff_pairs": "Pairs: both / this scenario only / the reference only / neither",
    "s_unemployment_diff_none": "in {month}, the difference in unemployment cannot be told from the runs' randomness: "
                                "{udiff} {uci} ({spread})",
    "s_cost": "{label}: extra public spending up to {month}: {spending}. Cost per extra job located in the territory "
              "(held by a resident or an in-commuter): {cost_net}.",
    "s_portal_cash": "{label}: these costs leave out the portal's supported cash ({amount} more than the reference up "
                     "to {month}, taken as start-up capital: an assumption); counted, the cost per extra job in the "
                     "territory would be {cost}.",
    "s_portal_cash_only": "{label}: these costs leave out the portal's supported cash ({amount} more than the "
                          "reference up to {month}, taken as start-up capital: an assumption).",
    "s_portal_cash_less": "{label}: these costs leave out the portal's supported cash ({amount} less than the "
                          "reference up to {month}, taken as start-up capital: an assumption); counted, the cost per "
                          "extra job in the territory would be {cost}.",
    "s_portal_cash_only_less": "{label}: these costs leave out the portal's supported cash ({amount} less than the "
                               "reference up to {month}, taken as start-up capital: an assumption).",
    "s_spending_less": "{value} less than the reference",
    "s_cost_undefined": "not defined ({why})",
    "s_cost_saving": "a saving of {value} {ci} ({spread}): the scenario spends less than the reference and has more "
                     "jobs",
    "s_cost_either": "{value} (95% interval: from a saving of {saving} to a cost of {cost}, the difference in "
                     "spending cannot be told from 0; {spread})",
    "saving_of": "a saving of {value}",
    "s_caveat": "Neither the ranges nor the intervals include the uncertainty of the model's parameters: all are "
                "computed with the parameters fixed, and reality may differ by more.",
    "spread_open": "runs: {low} or more, {k} of {n} gaining nothing",
    "runs_fewer": "({band}; {k} without a value that month)",
    "runs_fewer_total": "({band}; {k} with a month or more without a value)",
    "runs_unranked": "no band: some runs spend no more than the reference",
    "spread_unranked": "no band of the runs' own costs: some spend no more than the reference, where money "
                       "per job no longer ranks them",
    "col_ci95_mean": "95% interval of the mean",
    "col_cost_runs": "Cost run by run ({band})",
    "key_runs": "runs: {low} to {high}",
    "s_unemployment_trainees": "The same month, counting the residents in training as job seekers (they are out of "
                               "the labour force): {values}.",
    "s_unemployment_effect": "{label}: {unemployment}.",
    "s_trainees_share": "The trainees make up {share} {ci} of the official difference in {month}.",
    "h_trainees": "How much of the unemployment difference is the trainees'",
    "cap_trainees": "Residents in training are out of the labour force (the ILO's rule): a scenario that trains "
                    "lowers the official unemployment rate by its trainees alone, for as long as they train. The "
                    "difference in the official rate, the difference counting trainees as job seekers ((unemployed + "
                    "trainees) / (labour force + trainees)), and the share of the first that vanishes in the second: "
                    "the mean difference between the two readings over the mean official difference, with Fieller's "
                    "95% interval.",
    "col_trainees_more": "More trainees",
    "col_official": "Official difference",
    "col_with_trainees": "Difference, trainees counted",
    "col_share_trainees": "Share due to trainees",
    "col_median_with_trainees": "Median, trainees counted",
    "status_official_interval_includes_zero": "the interval of the official difference contains 0",
    "key_with_trainees": "trainees counted: {value}",
    "diff_with_trainees_title": "Difference in unemployment rate, trainees counted as job seekers (points)",
    "s_conventions": "95% intervals (in brackets for the differences and costs): how precise the {n} runs make a "
                     "figure, which narrows as runs are added; they do not say what one more run would give. "
                     "Differences and costs: the mean of the {n} pairs, its interval, then \"runs:\" the range of the "
                     "runs themselves ({band}), how much one run differs from another.",
    "measure_resident_job": "per extra job held by a resident (in the territory or outside) in {month}",
    "measure_fewer_unemployed": "per unemployed resident fewer in {month}",
    "status_jobs_interval_includes_zero_resident_job": "the interval of the difference in jobs held by residents "
                                                       "contains 0",
    "status_fewer_jobs_resident_job": "the scenario has fewer jobs held by residents than the reference",
    "status_jobs_interval_includes_zero_fewer_unemployed": "the interval of the difference in unemployed contains 0",
    "status_fewer_jobs_fewer_unemployed": "the scenario has more unemployed than the reference",
    "s_cost_residents": "{label}: not all these jobs go to residents, nor does each take one off the unemployed. In "
                        "{month}: {resident_jobs} jobs held by residents {resident_ci}, {unemployed} unemployed among "
                        "them {unemployed_ci}, {labour} in the labour force {labour_ci}. Cost per extra job held by a "
                        "resident: {cost_resident}; per unemployed fewer: {cost_unemployed}.",
    "quantity_jobs_held_by_residents": "jobs held by residents (in the territory or outside)",
    "quantity_unemployed": "unemployed residents",
    "quantity_labour_force": "labour force (residents employed or unemployed)",
    "s_trainees_share_first": "The trainees make up {share} {ci} of the official difference in {month}: the part that "
                              "vanishes when they are counted as job seekers.",
    "range": "{low} to {high}",
    "ci": "95% interval: {low} to {high}",
    "likelihood_0": "exceptionally unlikely",
    "likelihood_1": "very unlikely",
    "likelihood_2": "unlikely",
    "likelihood_3": "about as likely as not",
    "likelihood_4": "likely",
    "likelihood_5": "very likely",
    "likelihood_6": "virtually certain",
    "likelihood_undecided": "too few runs to tell",
    "likelihood_boundary": "close to the boundary between \"{below}\" and \"{above}\"",
    "pdf_missing": "Chromium not found: no PDF (install the chromium package).",
}

# French spacing is part of the French words themselves (no-break spaces before : ; ? ! % and inside « »).
FR.update({key: french_spaces(text) for key, text in FR.items()})

_ALL = {"fr": FR, "en": EN}


def words(lang: str) -> Dict[str, str]:
    return _ALL[lang]
