#include "analysis/internal/gazetteer.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace lia::analysis::internal {
namespace {

struct Place {
  std::string_view name;
  std::string_view country;
  bool is_region = false;
};

// Cities that are also ordinary words (Mobile, Nice, Reading, Split) are left
// out: a false place costs more than a missed one.
constexpr Place kPlaces[] = {
    // Regions.
    {"LATAM", ""},
    {"Latam", ""},
    {"Latin America", ""},
    {"Latinoamerica", ""},
    {"Latinoamérica", ""},
    {"America Latina", ""},
    {"América Latina", ""},
    {"Europe", ""},
    {"Europa", ""},
    {"EMEA", ""},
    {"APAC", ""},
    {"North America", ""},
    {"South America", ""},
    {"Central America", ""},
    {"Norteamerica", ""},
    {"EU", ""},
    {"Asia", ""},
    {"Africa", ""},
    {"Middle East", ""},
    {"Nordics", ""},
    {"Scandinavia", ""},
    {"DACH", ""},
    {"Benelux", ""},
    {"Iberia", ""},
    // Countries.
    {"US", "US"},
    {"USA", "US"},
    {"U.S", "US"},
    {"U.S.A", "US"},
    {"United States", "US"},
    {"Estados Unidos", "US"},
    {"EE.UU", "US"},
    {"EEUU", "US"},
    {"EUA", "US"},
    {"UK", "GB"},
    {"U.K", "GB"},
    {"United Kingdom", "GB"},
    {"Reino Unido", "GB"},
    {"England", "GB"},
    {"Scotland", "GB"},
    {"Wales", "GB"},
    {"Ireland", "IE"},
    {"Irlanda", "IE"},
    {"Canada", "CA"},
    {"Canadá", "CA"},
    {"Mexico", "MX"},
    {"México", "MX"},
    {"Brazil", "BR"},
    {"Brasil", "BR"},
    {"Argentina", "AR"},
    {"Chile", "CL"},
    {"Colombia", "CO"},
    {"Colômbia", "CO"},
    {"Peru", "PE"},
    {"Perú", "PE"},
    {"Uruguay", "UY"},
    {"Uruguai", "UY"},
    {"Paraguay", "PY"},
    {"Bolivia", "BO"},
    {"Ecuador", "EC"},
    {"Venezuela", "VE"},
    {"Costa Rica", "CR"},
    {"Panama", "PA"},
    {"Panamá", "PA"},
    {"Guatemala", "GT"},
    {"Dominican Republic", "DO"},
    {"República Dominicana", "DO"},
    {"Puerto Rico", "PR"},
    {"Spain", "ES"},
    {"España", "ES"},
    {"Espanha", "ES"},
    {"Portugal", "PT"},
    {"France", "FR"},
    {"Francia", "FR"},
    {"França", "FR"},
    {"Germany", "DE"},
    {"Alemania", "DE"},
    {"Alemanha", "DE"},
    {"Italy", "IT"},
    {"Italia", "IT"},
    {"Itália", "IT"},
    {"Netherlands", "NL"},
    {"The Netherlands", "NL"},
    {"Holanda", "NL"},
    {"Países Bajos", "NL"},
    {"Belgium", "BE"},
    {"Switzerland", "CH"},
    {"Suiza", "CH"},
    {"Suíça", "CH"},
    {"Austria", "AT"},
    {"Poland", "PL"},
    {"Polonia", "PL"},
    {"Polônia", "PL"},
    {"Sweden", "SE"},
    {"Norway", "NO"},
    {"Denmark", "DK"},
    {"Finland", "FI"},
    {"Estonia", "EE"},
    {"Czech Republic", "CZ"},
    {"Czechia", "CZ"},
    {"Romania", "RO"},
    {"Hungary", "HU"},
    {"Greece", "GR"},
    {"Ukraine", "UA"},
    {"Israel", "IL"},
    {"Turkey", "TR"},
    {"India", "IN"},
    {"Singapore", "SG"},
    {"Japan", "JP"},
    {"China", "CN"},
    {"Hong Kong", "HK"},
    {"Australia", "AU"},
    {"New Zealand", "NZ"},
    {"South Africa", "ZA"},
    {"UAE", "AE"},
    {"Dubai", "AE"},
    {"Philippines", "PH"},
    {"Vietnam", "VN"},
    {"Indonesia", "ID"},
    {"Malaysia", "MY"},
    {"Nigeria", "NG"},
    {"Kenya", "KE"},
    {"Egypt", "EG"},
    {"Lithuania", "LT"},
    {"Latvia", "LV"},
    {"Serbia", "RS"},
    {"Croatia", "HR"},
    {"Bulgaria", "BG"},
    {"Luxembourg", "LU"},
    {"Cyprus", "CY"},
    {"Malta", "MT"},
    // US states.
    {"California", "US"},
    {"Texas", "US"},
    {"New York", "US"},
    {"Florida", "US"},
    {"Washington", "US"},
    {"Massachusetts", "US"},
    {"Illinois", "US"},
    {"Colorado", "US"},
    {"Georgia", "US"},
    {"North Carolina", "US"},
    {"Virginia", "US"},
    {"Oregon", "US"},
    {"Arizona", "US"},
    {"Utah", "US"},
    {"Michigan", "US"},
    {"Ohio", "US"},
    {"Pennsylvania", "US"},
    {"New Jersey", "US"},
    {"Minnesota", "US"},
    {"Tennessee", "US"},
    {"Wisconsin", "US"},
    {"Maryland", "US"},
    {"Bay Area", "US"},
    {"Silicon Valley", "US"},
    // US and Canadian cities.
    {"New York City", "US"},
    {"NYC", "US"},
    {"San Francisco", "US"},
    {"SF", "US"},
    {"Los Angeles", "US"},
    {"Seattle", "US"},
    {"Austin", "US"},
    {"Boston", "US"},
    {"Chicago", "US"},
    {"Denver", "US"},
    {"Boulder", "US"},
    {"Atlanta", "US"},
    {"Miami", "US"},
    {"Dallas", "US"},
    {"Houston", "US"},
    {"San Diego", "US"},
    {"San Jose", "US"},
    {"Palo Alto", "US"},
    {"Mountain View", "US"},
    {"Menlo Park", "US"},
    {"Sunnyvale", "US"},
    {"Oakland", "US"},
    {"Portland", "US"},
    {"Phoenix", "US"},
    {"Salt Lake City", "US"},
    {"Raleigh", "US"},
    {"Durham", "US"},
    {"Charlotte", "US"},
    {"Nashville", "US"},
    {"Philadelphia", "US"},
    {"Pittsburgh", "US"},
    {"Washington DC", "US"},
    {"Washington, DC", "US"},
    {"DC", "US"},
    {"Baltimore", "US"},
    {"Detroit", "US"},
    {"Minneapolis", "US"},
    {"St. Louis", "US"},
    {"Kansas City", "US"},
    {"Columbus", "US"},
    {"Cleveland", "US"},
    {"Cincinnati", "US"},
    {"Indianapolis", "US"},
    {"Madison", "US"},
    {"Milwaukee", "US"},
    {"Tampa", "US"},
    {"Orlando", "US"},
    {"Jacksonville", "US"},
    {"Las Vegas", "US"},
    {"Sacramento", "US"},
    {"Irvine", "US"},
    {"Santa Monica", "US"},
    {"Jersey City", "US"},
    {"Brooklyn", "US"},
    {"Manhattan", "US"},
    {"Cambridge", ""},
    {"Toronto", "CA"},
    {"Vancouver", "CA"},
    {"Montreal", "CA"},
    {"Montréal", "CA"},
    {"Ottawa", "CA"},
    {"Calgary", "CA"},
    {"Waterloo", "CA"},
    {"Quebec", "CA"},
    {"Ontario", "CA"},
    {"British Columbia", "CA"},
    {"Alberta", "CA"},
    // Latin America.
    {"CDMX", "MX", true},
    {"Ciudad de México", "MX"},
    {"Ciudad de Mexico", "MX"},
    {"Mexico City", "MX"},
    {"Monterrey", "MX"},
    {"Guadalajara", "MX"},
    {"Querétaro", "MX"},
    {"Queretaro", "MX"},
    {"Puebla", "MX"},
    {"Tijuana", "MX"},
    {"Mérida", "MX"},
    {"Merida", "MX"},
    {"Saltillo", "MX"},
    {"León", "MX"},
    {"Polanco", "MX"},
    {"Buenos Aires", "AR"},
    {"CABA", "AR", true},
    {"Córdoba", "AR"},
    {"Cordoba", "AR"},
    {"Rosario", "AR"},
    {"Mendoza", "AR"},
    {"La Plata", "AR"},
    {"Mar del Plata", "AR"},
    {"Palermo", "AR"},
    {"Santiago", "CL"},
    {"Santiago de Chile", "CL"},
    {"Valparaíso", "CL"},
    {"Bogotá", "CO"},
    {"Bogota", "CO"},
    {"Medellín", "CO"},
    {"Medellin", "CO"},
    {"Cali", "CO"},
    {"Barranquilla", "CO"},
    {"Lima", "PE"},
    {"Montevideo", "UY"},
    {"Quito", "EC"},
    {"Guayaquil", "EC"},
    {"Caracas", "VE"},
    {"San José", "CR"},
    {"São Paulo", "BR"},
    {"Sao Paulo", "BR"},
    {"Rio de Janeiro", "BR"},
    {"Rio", "BR"},
    {"Belo Horizonte", "BR"},
    {"Curitiba", "BR"},
    {"Porto Alegre", "BR"},
    {"Florianópolis", "BR"},
    {"Florianopolis", "BR"},
    {"Recife", "BR"},
    {"Campinas", "BR"},
    {"Brasília", "BR"},
    {"Brasilia", "BR"},
    {"Salvador", "BR"},
    {"Fortaleza", "BR"},
    {"SP", "BR", true},
    {"RJ", "BR", true},
    // Europe.
    {"London", "GB"},
    {"Londres", "GB"},
    {"Manchester", "GB"},
    {"Edinburgh", "GB"},
    {"Glasgow", "GB"},
    {"Bristol", "GB"},
    {"Birmingham", "GB"},
    {"Leeds", "GB"},
    {"Oxford", "GB"},
    {"Belfast", "GB"},
    {"Dublin", "IE"},
    {"Cork", "IE"},
    {"Madrid", "ES"},
    {"Barcelona", "ES"},
    {"Valencia", "ES"},
    {"Sevilla", "ES"},
    {"Seville", "ES"},
    {"Málaga", "ES"},
    {"Malaga", "ES"},
    {"Bilbao", "ES"},
    {"Zaragoza", "ES"},
    {"Alicante", "ES"},
    {"Lisbon", "PT"},
    {"Lisboa", "PT"},
    {"Porto", "PT"},
    {"Paris", "FR"},
    {"París", "FR"},
    {"Lyon", "FR"},
    {"Toulouse", "FR"},
    {"Berlin", "DE"},
    {"Berlín", "DE"},
    {"Munich", "DE"},
    {"München", "DE"},
    {"Hamburg", "DE"},
    {"Frankfurt", "DE"},
    {"Cologne", "DE"},
    {"Stuttgart", "DE"},
    {"Amsterdam", "NL"},
    {"Rotterdam", "NL"},
    {"Eindhoven", "NL"},
    {"Utrecht", "NL"},
    {"The Hague", "NL"},
    {"Brussels", "BE"},
    {"Antwerp", "BE"},
    {"Zurich", "CH"},
    {"Zürich", "CH"},
    {"Geneva", "CH"},
    {"Basel", "CH"},
    {"Lausanne", "CH"},
    {"Vienna", "AT"},
    {"Milan", "IT"},
    {"Milano", "IT"},
    {"Rome", "IT"},
    {"Roma", "IT"},
    {"Turin", "IT"},
    {"Stockholm", "SE"},
    {"Gothenburg", "SE"},
    {"Oslo", "NO"},
    {"Copenhagen", "DK"},
    {"Helsinki", "FI"},
    {"Tallinn", "EE"},
    {"Warsaw", "PL"},
    {"Kraków", "PL"},
    {"Krakow", "PL"},
    {"Wrocław", "PL"},
    {"Wroclaw", "PL"},
    {"Gdańsk", "PL"},
    {"Prague", "CZ"},
    {"Brno", "CZ"},
    {"Budapest", "HU"},
    {"Bucharest", "RO"},
    {"Athens", "GR"},
    {"Kyiv", "UA"},
    {"Kiev", "UA"},
    {"Vilnius", "LT"},
    {"Riga", "LV"},
    {"Belgrade", "RS"},
    {"Sofia", "BG"},
    {"Tel Aviv", "IL"},
    {"Istanbul", "TR"},
    // Asia, Oceania, Africa.
    {"Bangalore", "IN"},
    {"Bengaluru", "IN"},
    {"Hyderabad", "IN"},
    {"Pune", "IN"},
    {"Mumbai", "IN"},
    {"Chennai", "IN"},
    {"Delhi", "IN"},
    {"New Delhi", "IN"},
    {"Gurgaon", "IN"},
    {"Noida", "IN"},
    {"Tokyo", "JP"},
    {"Osaka", "JP"},
    {"Seoul", "KR"},
    {"Shanghai", "CN"},
    {"Beijing", "CN"},
    {"Shenzhen", "CN"},
    {"Taipei", "TW"},
    {"Manila", "PH"},
    {"Jakarta", "ID"},
    {"Kuala Lumpur", "MY"},
    {"Bangkok", "TH"},
    {"Ho Chi Minh City", "VN"},
    {"Hanoi", "VN"},
    {"Sydney", "AU"},
    {"Melbourne", "AU"},
    {"Brisbane", "AU"},
    {"Perth", "AU"},
    {"Auckland", "NZ"},
    {"Wellington", "NZ"},
    {"Cape Town", "ZA"},
    {"Johannesburg", "ZA"},
    {"Lagos", "NG"},
    {"Nairobi", "KE"},
    {"Cairo", "EG"},
    {"Abu Dhabi", "AE"},
    {"Riyadh", "SA"},
    {"Doha", "QA"},
};

struct Entry {
  std::vector<std::string> rest;  // Folded tokens after the first.
  const Place* place;
  bool needs_caps;  // Short codes: "US", "UK", "SF".
};

struct Table {
  absl::flat_hash_map<std::string, std::vector<Entry>> by_first;
  absl::flat_hash_map<std::string, const Place*> by_name;

  Table() {
    for (const Place& p : kPlaces) {
      const std::string folded = FoldString(p.name);
      std::vector<std::string> tokens;
      size_t i = 0;
      std::string joined;
      while (i < folded.size()) {
        while (i < folded.size() && !IsWordChar(folded[i])) ++i;
        const size_t start = i;
        while (i < folded.size() && IsWordChar(folded[i])) ++i;
        if (i > start) {
          tokens.emplace_back(folded.substr(start, i - start));
          if (!joined.empty()) joined += ' ';
          joined += tokens.back();
        }
      }
      if (tokens.empty()) continue;
      const bool short_code = p.name.size() <= 4 && tokens.size() == 1;
      const bool dotted = p.name.find('.') != std::string_view::npos;
      by_name.emplace(joined, &p);
      by_name.emplace(folded, &p);
      std::vector<Entry>& entries = by_first[tokens[0]];
      entries.push_back(
          {std::vector<std::string>(tokens.begin() + 1, tokens.end()), &p,
           short_code || dotted});
      std::stable_sort(entries.begin(), entries.end(),
                       [](const Entry& a, const Entry& b) {
                         return a.rest.size() > b.rest.size();
                       });
    }
  }
};

const Table& Places() {
  static const auto* table = new Table();
  return *table;
}

bool PlaceGap(std::string_view gap) {
  return gap == " " || gap == "." || gap == ". " || gap == "-";
}

}  // namespace

std::vector<PlaceHit> FindPlaces(const Doc& doc) {
  const Table& table = Places();
  std::vector<PlaceHit> hits;
  for (size_t i = 0; i < doc.tokens.size(); ++i) {
    if (!doc.tokens[i].capitalized) continue;
    const std::string_view first = doc.Text(i);
    auto it =
        table.by_first.find(absl::string_view(first.data(), first.size()));
    if (it == table.by_first.end()) continue;
    for (const Entry& e : it->second) {
      const size_t last = i + e.rest.size();
      if (last >= doc.tokens.size()) continue;
      bool match = true;
      for (size_t k = 0; k < e.rest.size() && match; ++k) {
        const bool connector = doc.Text(i + k + 1) == "de" ||
                               doc.Text(i + k + 1) == "del" ||
                               doc.Text(i + k + 1) == "do";
        match = PlaceGap(doc.Gap(i + k)) && doc.Text(i + k + 1) == e.rest[k] &&
                (connector || doc.tokens[i + k + 1].capitalized);
      }
      if (!match) continue;
      if (e.needs_caps) {
        for (size_t k = i; k <= last && match; ++k) {
          match = doc.tokens[k].all_caps ||
                  (doc.Text(k).size() == 1 && doc.tokens[k].capitalized);
        }
        if (!match) continue;
      }
      PlaceHit hit{i, last, e.place->is_region, std::string(e.place->country)};
      // "Austin, Texas", "Madrid, Spain": one place.
      if (!hits.empty() && hits.back().last + 1 == i &&
          doc.Gap(hits.back().last) == ", ") {
        hits.back().last = last;
        if (hits.back().country.empty()) hits.back().country = hit.country;
      } else {
        hits.push_back(std::move(hit));
      }
      i = last;
      break;
    }
  }
  return hits;
}

bool IsKnownPlace(std::string_view folded) {
  return Places().by_name.contains(
      absl::string_view(folded.data(), folded.size()));
}

}  // namespace lia::analysis::internal
