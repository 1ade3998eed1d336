// Prints lia's OpenAPI document (http/openapi.h), for linters:
//   openapi_dump [FILE]   writes FILE, or standard output without one.

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "http/openapi.h"

int main(int argc, char** argv) {
  if (argc > 2) {
    std::cerr << "usage: openapi_dump [FILE]\n";
    return 2;
  }
  const std::string text = lia::http::OpenApiDocument().dump(2) + "\n";
  if (argc == 1) {
    std::cout << text;
    return std::cout ? 0 : 1;
  }
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "openapi_dump: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
